// Key Vault in RBAC mode holding JWT_SECRET. The Function App reads it through a Key Vault
// reference with its managed identity (Key Vault Secrets User on this vault only).
param name string
param location string
param tags object
@secure()
@minLength(32)
param jwtSecret string
@description('Principal of the Function App identity')
param readerPrincipalId string

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109:Flex Consumption without a virtual network resolves Key Vault references over the public endpoint; access is RBAC-only
  // checkov:skip=CKV_AZURE_110:purge protection would keep the name reserved for 90 days after `azd down --purge`; soft delete stays on
  // checkov:skip=CKV_AZURE_189:public network access is needed for the same reason as CKV_AZURE_109
  // checkov:skip=CKV_AZURE_42:recoverable means purge protection too; soft delete stays on (see CKV_AZURE_110)
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource jwtSecretEntry 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41:an expiry date would stop every sign-in when it passes; rotation is a documented manual step
  parent: vault
  name: 'jwt-secret'
  properties: {
    value: jwtSecret
    contentType: 'text/plain'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, readerPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
// Versioned on purpose: a rotated secret is a new version, so the app setting changes and the
// platform fetches the new value at once instead of within 24 hours.
output jwtSecretUri string = jwtSecretEntry.properties.secretUriWithVersion
