// Flex Consumption plan + Linux Function App (Python 3.11), running as a user-assigned identity.
// Flex Consumption rules: no FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION /
// WEBSITE_RUN_FROM_PACKAGE app settings (the runtime and the package live in functionAppConfig).
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageBlobEndpoint string
param storageQueueEndpoint string
param storageTableEndpoint string
param deploymentContainerName string
param applicationInsightsConnectionString string
@description('Upper bound of instances the app may scale out to')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int
@allowed([ 2048, 4096 ])
param instanceMemoryMB int
@description('Browser origins allowed by the platform CORS rule (empty: none)')
param allowedOrigins array
@description('Settings the application code reads (shared/config.py)')
param appSettings object

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225:zone redundancy is optional on Flex Consumption and not offered in every region; left off to keep the template deployable anywhere
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_222:public on purpose: this is the public API
  // checkov:skip=CKV_AZURE_17:clients authenticate with bearer tokens, not client certificates
  // checkov:skip=CKV_AZURE_212:Flex Consumption scales to zero when idle; a minimum instance count would bill around the clock
  // checkov:skip=CKV_AZURE_213:the platform health check does not apply to Flex Consumption; /api/health is there for external probes
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      cors: {
        allowedOrigins: allowedOrigins
        supportCredentials: false
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  // checkov:skip=CKV_AZURE_13:checkov reads every sites/config as the 'web' site config; this one is 'appsettings'
  // checkov:skip=CKV_AZURE_63:checkov reads every sites/config as the 'web' site config; this one is 'appsettings'
  // checkov:skip=CKV_AZURE_65:checkov reads every sites/config as the 'web' site config; this one is 'appsettings'
  // checkov:skip=CKV_AZURE_66:checkov reads every sites/config as the 'web' site config; this one is 'appsettings'
  // checkov:skip=CKV_AZURE_80:checkov reads every sites/config as the 'web' site config; this one is 'appsettings'
  // checkov:skip=CKV_AZURE_88:checkov reads every sites/config as the 'web' site config; this one is 'appsettings'
  // checkov:skip=CKV_AZURE_222:checkov reads every sites/config as the 'web' site config; this one is 'appsettings'
  parent: app
  name: 'appsettings'
  properties: union(appSettings, {
    // Identity-based host storage (shared keys are disabled on the account)
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
    AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
    AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
    // Telemetry with Entra auth (local auth is disabled on Application Insights)
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  })
}

// Deployments go through Entra-authenticated OneDeploy; basic (publishing-profile) auth stays off.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: { allow: false }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: { allow: false }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
