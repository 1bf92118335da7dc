"""Offline checks of the Azure deployment (no Bicep compiler, no Azure): infra/*.bicep parsed with
pycep, azure.yaml, host.json and local.settings.json.example read as text.

Each rule is a function that returns its problems, tested against the real files and against a
copy with the fault planted, so a rule that silently stopped looking would fail too."""
from __future__ import annotations

import ast
import json
import math
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from pycep import BicepParser

ROOT = Path(__file__).resolve().parent.parent
INFRA = ROOT / "infra"
MAIN = INFRA / "main.bicep"
FUNCTION_APP = INFRA / "modules" / "functionapp.bicep"

# Settings that the Functions host reads rather than shared/data/config.py.
HOST_SETTINGS = {"DURABLE_TASK_HUB_NAME"}
# Flex Consumption rejects these: the runtime and the package are declared in functionAppConfig.
FLEX_FORBIDDEN_SETTINGS = {"FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE",
                           "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "WEBSITE_CONTENTSHARE",
                           "AzureWebJobsStorage"}


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


@cache
def parse(text: str) -> dict:
    return BicepParser().parse(text=text)


def parsed(path: Path) -> dict:
    return parse(path.read_text())


def settings_read_by_code() -> set[str]:
    """Every NAME in env.get("NAME", …) / os.environ[...] / _int(env, "NAME", …) in shared/data/config.py."""
    tree = ast.parse((ROOT / "shared" / "data" / "config.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            is_get = isinstance(func, ast.Attribute) and func.attr in {"get", "getenv"}
            is_int = isinstance(func, ast.Name) and func.id == "_int"
            args = node.args[1:2] if is_int else node.args[:1] if is_get else []
            names |= {a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            if isinstance(node.slice.value, str) and node.slice.value.isupper():
                names.add(node.slice.value)
    return {n for n in names if re.fullmatch(r"[A-Z][A-Z0-9_]+", n)}


def function_app_settings(main_text: str, module_text: str) -> dict:
    """The app settings the Function App gets: main.bicep's appSettings param unioned, in the
    module, with the platform settings (identity-based storage, telemetry)."""
    module = parse(main_text)["modules"]["functionApp"]["config"]["params"]
    settings = dict(module["appSettings"])
    config = parse(module_text)["resources"]["settings"]["config"]
    assert config["name"] == "appsettings"
    union = config["properties"]["function"]
    assert union["type"] == "union" and union["parameters"]["arg_1"] == "appSettings"
    settings.update(union["parameters"]["arg_2"])
    return settings


# --- rules -----------------------------------------------------------------------------------

def missing_settings(settings: dict, needed: set[str]) -> set[str]:
    return needed - set(settings)


def shared_key_problems(text: str) -> list[str]:
    problems = []
    for name, res in parse(text).get("resources", {}).items():
        if res["type"] == "Microsoft.Storage/storageAccounts" and not res.get("existing"):
            if res["config"].get("properties", {}).get("allowSharedKeyAccess") is not False:
                problems.append(f"storage account {name} must set allowSharedKeyAccess: false")
    if re.search(r"listKeys\s*\(|AccountKey=|SharedAccessSignature", text):
        problems.append("an account key or SAS is read")
    return problems


def sql_password_problems(text: str) -> list[str]:
    problems = []
    if re.search(r"administratorLogin(Password)?\s*:", text):
        problems.append("a SQL login (administratorLogin/administratorLoginPassword) is declared")
    resources = parse(text).get("resources", {})
    for name, res in resources.items():
        props = res["config"].get("properties", {}) if isinstance(res["config"], dict) else {}
        if res["type"] == "Microsoft.Sql/servers" and not res.get("existing"):
            admin = props.get("administrators", {})
            entra_only = admin.get("azureADOnlyAuthentication") is True
            if not entra_only or admin.get("administratorType") != "ActiveDirectory":
                problems.append(f"SQL server {name} must be Entra-only (administrators.azureADOnlyAuthentication)")
        if res["type"] == "Microsoft.Sql/servers/azureADOnlyAuthentications":
            if props.get("azureADOnlyAuthentication") is not True:
                problems.append(f"{name} turns Entra-only authentication off")
    return problems


_SECRET_KEY = re.compile(r"secret|password|passwd|pwd|api_?key|account_?key|access_?key|sas_?token", re.I)
_REFERENCE_NAME = re.compile(r"(Uri|Url|Name|Id)$", re.I)  # jwtSecretUri names a secret, it is not one


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_KEY.search(name)) and not _REFERENCE_NAME.search(name)
_LITERAL_PROPERTY = re.compile(r"^\s*'?([A-Za-z_][\w-]*)'?\s*:\s*'([^'$]*)'\s*$", re.M)
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def literal_secret_problems(text: str) -> list[str]:
    problems = []
    for key, value in _LITERAL_PROPERTY.findall(text):
        if is_secret_name(key) and value:
            problems.append(f"{key} is a literal")
    for value in re.findall(r"'([^'\s$]{24,})'", text):
        if not _GUID.match(value) and re.fullmatch(r"[A-Za-z0-9+/=_\-.]+", value) and _entropy(value) > 4.0:
            problems.append(f"a literal looks like a secret: {value[:6]}…")
    for name, param in parse(text).get("parameters", {}).items():
        secure = any(d["type"] == "secure" for d in param.get("decorators", []))
        if secure and param.get("default") is not None:
            problems.append(f"secure parameter {name} has a default")
        if is_secret_name(name) and not secure:
            problems.append(f"parameter {name} holds a secret but is not @secure()")
    return problems


def secret_output_problems(text: str) -> list[str]:
    tree = parse(text)
    secure_params = {n for n, p in tree.get("parameters", {}).items()
                     if any(d["type"] == "secure" for d in p.get("decorators", []))}
    problems = []
    for name, output in tree.get("outputs", {}).items():
        rendered = json.dumps(output)
        if is_secret_name(name) or any(re.search(rf"\b{p}\b", rendered) for p in secure_params):
            problems.append(f"output {name} exposes a secret")
        if re.search(r"listKeys|listSecrets", rendered):
            problems.append(f"output {name} exposes a key")
    return problems


def secret_setting_problems(settings: dict) -> list[str]:
    """A setting whose name says secret must be a Key Vault reference, or empty (the identity is used)."""
    problems = []
    for name, value in settings.items():
        referenced = isinstance(value, str) and (value == "" or value.startswith("@Microsoft.KeyVault("))
        if is_secret_name(name) and not referenced:
            problems.append(f"{name} is not a Key Vault reference")
    return problems


def azure_yaml_paths(text: str) -> list[str]:
    paths = re.findall(r"^\s*(?:project|path):\s*['\"]?([^'\"\s#]+)", text, re.M)
    for run in re.findall(r"^\s*run:\s*(.+)$", text, re.M):
        paths += re.findall(r"(?<![\w./])((?:scripts|infra)/[\w./-]+|[\w.-]+\.(?:txt|py|sh|ps1|bicep))", run)
    infra_path = re.search(r"^infra:\s*\n(?:\s+.*\n)*?\s+path:\s*(\S+)", text, re.M)
    module = re.search(r"^\s+module:\s*(\S+)", text, re.M)
    if infra_path and module:
        paths.append(f"{infra_path.group(1)}/{module.group(1)}.bicep")
    return paths


# --- the real files --------------------------------------------------------------------------

def test_every_bicep_file_parses():
    assert MAIN in bicep_files() and len(bicep_files()) >= 5
    for path in bicep_files():
        assert parsed(path), path


def test_settings_are_discovered_from_the_code():
    found = settings_read_by_code()
    assert {"DATABASE_URL", "JWT_SECRET", "APP_ENV", "AZURE_SQL_CLIENT_ID", "LOG_LEVEL"} <= found
    assert "AZURE_CLIENT_ID" in found and "BCRYPT_ROUNDS" in found


def test_the_function_app_gets_every_setting_the_code_reads():
    settings = function_app_settings(MAIN.read_text(), FUNCTION_APP.read_text())
    assert missing_settings(settings, settings_read_by_code() | HOST_SETTINGS) == set()


def test_local_settings_example_lists_every_setting_the_code_reads():
    values = json.loads((ROOT / "local.settings.json.example").read_text())["Values"]
    assert missing_settings(values, settings_read_by_code() | HOST_SETTINGS) == set()
    assert values["FUNCTIONS_WORKER_RUNTIME"] == "python"


def test_production_values_of_the_settings_that_matter():
    settings = function_app_settings(MAIN.read_text(), FUNCTION_APP.read_text())
    assert settings["APP_ENV"] == "production"
    assert settings["JWT_SECRET"].startswith("@Microsoft.KeyVault(SecretUri=${keyVault.outputs.")
    url = settings["DATABASE_URL"]
    assert url.startswith("mssql+pyodbc://") and "@" not in url and "password" not in url.lower()
    assert url.endswith("?driver=ODBC+Driver+18+for+SQL+Server&Encrypt=yes")
    assert "clientId" in json.dumps(settings["AZURE_SQL_CLIENT_ID"])


def test_the_database_url_in_bicep_is_the_one_the_code_builds():
    from shared.data.urls import azure_sql_url, with_azure_sql_defaults

    template = function_app_settings(MAIN.read_text(), FUNCTION_APP.read_text())["DATABASE_URL"]
    url = re.sub(r"\$\{[^}]*fullyQualifiedDomainName\}", "sql-x.database.windows.net", template)
    url = re.sub(r"\$\{[^}]*databaseName\}", "finance", url)
    assert with_azure_sql_defaults(url) == azure_sql_url("sql-x", "finance")


def test_flex_consumption_settings_the_platform_rejects_are_absent():
    settings = function_app_settings(MAIN.read_text(), FUNCTION_APP.read_text())
    assert not FLEX_FORBIDDEN_SETTINGS & set(settings)
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    for service in ("blob", "queue", "table"):  # Durable Functions needs all three
        assert f"AzureWebJobsStorage__{service}ServiceUri" in settings


def test_the_function_app_is_flex_consumption_python_311_https_only_and_bounded():
    resources = parsed(FUNCTION_APP)["resources"]
    assert resources["plan"]["config"]["sku"] == {"tier": "FlexConsumption", "name": "FC1"}
    app = resources["app"]["config"]
    assert app["kind"] == "functionapp,linux"
    assert app["properties"]["httpsOnly"] is True
    flex = app["properties"]["functionAppConfig"]
    assert flex["runtime"] == {"name": "python", "version": "3.11"}
    assert flex["scaleAndConcurrency"]["maximumInstanceCount"] == "maximumInstanceCount"
    assert flex["deployment"]["storage"]["authentication"]["type"] == "UserAssignedIdentity"
    max_param = parsed(FUNCTION_APP)["parameters"]["maximumInstanceCount"]
    assert {"type": "max_value", "argument": 1000} in max_param["decorators"]
    assert app["properties"]["siteConfig"]["cors"]["allowedOrigins"] == "allowedOrigins"
    assert parsed(MAIN)["parameters"]["corsAllowedOrigins"]["type"] == "string"


def test_storage_has_shared_keys_off_and_the_data_roles_durable_functions_needs():
    text = (INFRA / "modules" / "storage.bicep").read_text()
    assert shared_key_problems(text) == []
    roles = parse(text)["variables"]["roles"]["value"]
    assert set(roles.values()) == {
        "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",  # Storage Blob Data Owner
        "974c5e8b-45b9-4653-ba55-5f855dd0fb88",  # Storage Queue Data Contributor
        "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",  # Storage Table Data Contributor
    }
    assert parse(text)["resources"]["deploymentContainer"]["config"]["properties"]["publicAccess"] == "None"


def test_role_assignments_are_scoped_to_one_resource_and_never_broad():
    broad = {"8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c",  # Owner, Contributor
             "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"}  # User Access Administrator
    for path in bicep_files():
        text = path.read_text()
        assert not any(role in text for role in broad), path
        for name, res in parse(text).get("resources", {}).items():
            if res["type"] == "Microsoft.Authorization/roleAssignments":
                config = res["config"].get("config", res["config"])  # a `for` loop nests the body
                assert config.get("scope"), f"{path.name}:{name} has no resource scope"
                assert config["properties"]["principalType"] == "ServicePrincipal", name


def test_sql_is_entra_only_serverless_and_auto_pauses():
    text = (INFRA / "modules" / "sql.bicep").read_text()
    assert sql_password_problems(text) == []
    resources = parse(text)["resources"]
    db = resources["database"]["config"]
    assert db["sku"]["name"] == "GP_S_Gen5"
    assert db["properties"]["autoPauseDelay"] == "autoPauseDelayMinutes"
    assert resources["auditing"]["config"]["properties"]["state"] == "Enabled"


def test_key_vault_uses_rbac_and_holds_the_jwt_secret():
    tree = parsed(INFRA / "modules" / "keyvault.bicep")
    assert tree["resources"]["vault"]["config"]["properties"]["enableRbacAuthorization"] is True
    assert tree["resources"]["jwtSecretEntry"]["config"]["properties"]["value"] == "jwtSecret"
    jwt = parsed(MAIN)["parameters"]["jwtSecret"]
    kinds = {d["type"]: d.get("argument") for d in jwt["decorators"]}
    assert "secure" in kinds and kinds["min_length"] >= 32 and jwt["default"] is None
    assert kinds["metadata"]["azd"]["type"] == "generate" and kinds["metadata"]["azd"]["config"]["length"] >= 32


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: p.name)
def test_no_secret_is_a_literal_or_an_output(path):
    text = path.read_text()
    assert literal_secret_problems(text) == []
    assert secret_output_problems(text) == []
    assert shared_key_problems(text) == []
    assert sql_password_problems(text) == []


def test_no_app_setting_carries_a_secret_value():
    settings = function_app_settings(MAIN.read_text(), FUNCTION_APP.read_text())
    assert secret_setting_problems(settings) == []


def test_parameters_file_is_wired_to_azd_and_holds_no_secret_value():
    params = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    declared = parsed(MAIN)["parameters"]
    assert set(params) <= set(declared)
    for name, entry in params.items():
        assert re.fullmatch(r"\$\{[A-Z_][A-Z0-9_]*(=[^}]*)?\}", entry["value"]), name
    assert params["environmentName"]["value"] == "${AZURE_ENV_NAME}"
    assert params["principalId"]["value"] == "${AZURE_PRINCIPAL_ID}"
    required = {n for n, p in declared.items() if p.get("default") is None} - {"jwtSecret"}  # azd generates it
    assert required <= set(params)


def test_azure_yaml_names_only_paths_that_exist():
    text = (ROOT / "azure.yaml").read_text()
    paths = azure_yaml_paths(text)
    assert "scripts/azure_sql_setup.py" in paths and "infra/main.bicep" in paths
    assert [p for p in paths if not (ROOT / p).exists()] == []
    assert re.search(r"^\s+host:\s*function\s*$", text, re.M) and re.search(r"^\s+language:\s*python", text, re.M)
    assert "postprovision:" in text


def test_host_json_suits_production():
    host = json.loads((ROOT / "host.json").read_text())
    assert host["version"] == "2.0"
    assert re.fullmatch(r"00:(0[1-9]|[1-2]\d):00", host["functionTimeout"])
    assert host["extensions"]["durableTask"]["hubName"] == "%DURABLE_TASK_HUB_NAME%"
    sampling = host["logging"]["applicationInsights"]["samplingSettings"]
    assert sampling["isEnabled"] and {"Request", "Exception"} <= set(sampling["excludedTypes"].split(";"))
    assert host["logging"]["logLevel"]["default"] in {"Warning", "Information"}


def test_the_task_hub_name_is_per_environment():
    hub = parsed(MAIN)["variables"]["durableTaskHubName"]["value"]
    assert "environmentName" in json.dumps(hub)


# --- the rules catch what they are for -------------------------------------------------------

def test_a_setting_added_to_the_code_without_infra_is_caught():
    settings = function_app_settings(MAIN.read_text(), FUNCTION_APP.read_text())
    assert missing_settings(settings, settings_read_by_code() | {"NEW_SETTING"}) == {"NEW_SETTING"}
    text = MAIN.read_text().replace("      LOG_LEVEL: logLevel\n", "")
    needed = settings_read_by_code()
    before = missing_settings(settings, needed)
    assert missing_settings(function_app_settings(text, FUNCTION_APP.read_text()), needed) - before == {"LOG_LEVEL"}


def test_shared_key_access_turned_on_is_caught():
    text = (INFRA / "modules" / "storage.bicep").read_text()
    assert shared_key_problems(text.replace("allowSharedKeyAccess: false", "allowSharedKeyAccess: true"))
    assert shared_key_problems(text.replace("    allowSharedKeyAccess: false\n", ""))


def test_sql_password_authentication_is_caught():
    text = (INFRA / "modules" / "sql.bicep").read_text()
    assert sql_password_problems(text.replace("azureADOnlyAuthentication: true", "azureADOnlyAuthentication: false", 1))
    assert sql_password_problems(text.replace(
        "    minimalTlsVersion: '1.2'\n", "    minimalTlsVersion: '1.2'\n    administratorLogin: 'sqladmin'\n"))


def test_a_literal_secret_is_caught():
    text = MAIN.read_text()
    planted = text.replace("      JWT_SECRET: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.jwtSecretUri})'\n",
                           "      JWT_SECRET: 'kq3XvP9zR2mW7tLb5nH8cJ4fD6gS1aYe0uQoTiZx'\n")
    assert planted != text
    assert literal_secret_problems(planted)
    assert secret_setting_problems(function_app_settings(planted, FUNCTION_APP.read_text()))
    assert literal_secret_problems(text.replace("@secure()\n@minLength(32)", "@minLength(32)"))
    assert literal_secret_problems("param dbPassword string = 'hunter2'\n")


def test_a_secret_output_is_caught():
    text = MAIN.read_text() + "\noutput JWT string = jwtSecret\n"
    assert secret_output_problems(text)
    assert secret_output_problems(MAIN.read_text() + "\noutput K string = storage.listKeys().keys[0].value\n")


def test_azd_environment_gets_no_connection_string():
    """main.bicep outputs land in .azure/<env>/.env; names and addresses only."""
    for name, output in parsed(MAIN)["outputs"].items():
        assert "connectionstring" not in (name + json.dumps(output)).lower(), name


def test_a_missing_path_in_azure_yaml_is_caught():
    text = (ROOT / "azure.yaml").read_text().replace("scripts/azure_sql_setup.py", "scripts/gone.py")
    assert [p for p in azure_yaml_paths(text) if not (ROOT / p).exists()] == ["scripts/gone.py", "scripts/gone.py"]
