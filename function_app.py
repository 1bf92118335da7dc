"""The Function App: one blueprint per resource, wired together here and nothing else."""
import azure.durable_functions as df
import azure.functions as func

from blueprints import auth, health

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

for blueprint in (auth.bp, health.bp):
    app.register_functions(blueprint)
