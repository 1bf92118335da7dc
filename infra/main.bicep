// The whole deployment, scoped to one resource group: `azd up`, or
//   az deployment group create -g <rg> -f infra/main.bicep -p environmentName=<env> principalId=<objectId> jwtSecret=<random>
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; seeds the resource names and the Durable Functions task hub')
param environmentName string

@description('Region for every resource (a region that offers Flex Consumption)')
@metadata({ azd: { type: 'location' } })
param location string = resourceGroup().location

@description('Object id of the deployer (user, group or app): becomes the Azure SQL Entra administrator')
param principalId string

@description('Display name of that administrator, shown in the portal')
param principalName string = 'finance-sql-admin'

@allowed([ 'User', 'Group', 'Application' ])
param principalType string = 'User'

@secure()
@minLength(32)
@description('HS256 signing key for the API tokens; azd generates it once and keeps it in the environment')
@metadata({ azd: { type: 'generate', config: { length: 64, noSpecial: true } } })
param jwtSecret string

@description('Comma-separated browser origins the platform CORS rule allows, e.g. https://app.example.com')
param corsAllowedOrigins string = ''

@description('Upper bound of Function App instances (caps cost and database connections)')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([ 2048, 4096 ])
param instanceMemoryMB int = 2048

param sqlDatabaseName string = 'finance'

@description('Largest size of the serverless database, in vCores')
@allowed([ 1, 2, 4 ])
param sqlMaxVCores int = 1

@minValue(60)
param sqlAutoPauseDelayMinutes int = 60

@description('Optional: Azure OpenAI endpoint for the assistant LLM mode (empty leaves it off)')
param azureOpenAiEndpoint string = ''
param azureOpenAiDeployment string = ''

@allowed([ 'DEBUG', 'INFO', 'WARNING', 'ERROR' ])
param logLevel string = 'INFO'

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = 'func-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'
// Task hub names are letters and digits only, start with a letter, at most 45 characters.
var durableTaskHubName = take('finance${replace(replace(toLower(environmentName), '-', ''), '_', '')}', 45)
var allowedOrigins = empty(corsAllowedOrigins) ? [] : split(replace(corsAllowedOrigins, ' ', ''), ',')

// The Function App's only identity: it reaches storage, Key Vault, Application Insights and SQL.
resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${resourceToken}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
    publisherPrincipalId: appIdentity.properties.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    appPrincipalId: appIdentity.properties.principalId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    jwtSecret: jwtSecret
    readerPrincipalId: appIdentity.properties.principalId
  }
}

module sql 'modules/sql.bicep' = {
  name: 'sql'
  params: {
    serverName: 'sql-${resourceToken}'
    databaseName: sqlDatabaseName
    location: location
    tags: tags
    adminObjectId: principalId
    adminLogin: principalName
    adminPrincipalType: principalType
    maxVCores: sqlMaxVCores
    autoPauseDelayMinutes: sqlAutoPauseDelayMinutes
    logAnalyticsId: monitoring.outputs.logAnalyticsId
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: appIdentity.id
    identityClientId: appIdentity.properties.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    allowedOrigins: allowedOrigins
    // Every setting shared/config.py reads (tests/test_infra.py keeps this list complete).
    appSettings: {
      APP_ENV: 'production'
      DATABASE_URL: 'mssql+pyodbc://${sql.outputs.fullyQualifiedDomainName}/${sql.outputs.databaseName}?driver=ODBC+Driver+18+for+SQL+Server&Encrypt=yes'
      AZURE_SQL_CLIENT_ID: appIdentity.properties.clientId
      AZURE_CLIENT_ID: appIdentity.properties.clientId
      JWT_SECRET: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.jwtSecretUri})'
      JWT_ISSUER: 'finance-api'
      JWT_AUDIENCE: 'finance-api-clients'
      ACCESS_TOKEN_MINUTES: '15'
      REFRESH_TOKEN_DAYS: '30'
      BCRYPT_ROUNDS: '12'
      SUMMARY_SCHEDULE: '0 0 2 1 * *'
      SUMMARY_BATCH_SIZE: '500'
      RECURRING_SCHEDULE: '0 0 1 * * *'
      REGISTRATION_LIMIT_PER_HOUR: '50'
      FX_RATES_SCHEDULE: '0 0 16 * * *'
      FX_RATES_URL: 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml'
      DURABLE_TASK_HUB_NAME: durableTaskHubName
      AZURE_OPENAI_ENDPOINT: azureOpenAiEndpoint
      AZURE_OPENAI_DEPLOYMENT: azureOpenAiDeployment
      // Empty on purpose: the assistant calls Azure OpenAI with the managed identity's token
      // (grant it "Cognitive Services OpenAI User" on that resource), so no API key is stored.
      AZURE_OPENAI_API_KEY: ''
      AZURE_OPENAI_API_VERSION: '2024-10-21'
      AZURE_OPENAI_TIMEOUT_SECONDS: '10'
      LOG_LEVEL: logLevel
    }
  }
}

// Read by azd (and the postprovision hook). Names and addresses only: no secret leaves the deployment.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = 'https://${functionApp.outputs.defaultHostName}/api'
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_SQL_SERVER_NAME string = sql.outputs.serverName
output AZURE_SQL_SERVER_FQDN string = sql.outputs.fullyQualifiedDomainName
output AZURE_SQL_DATABASE_NAME string = sql.outputs.databaseName
output AZURE_SQL_APP_IDENTITY_NAME string = appIdentity.name
output AZURE_SQL_APP_IDENTITY_CLIENT_ID string = appIdentity.properties.clientId
output DURABLE_TASK_HUB_NAME string = durableTaskHubName
