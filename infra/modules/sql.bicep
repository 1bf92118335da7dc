// Azure SQL logical server with Microsoft Entra-only authentication (no SQL logins, no password
// anywhere) and one serverless database that pauses when idle.
param serverName string
param databaseName string
param location string
param tags object
@description('Object id of the Entra user, group or app that administers the server (runs the migrations)')
param adminObjectId string
@description('Display name of that administrator')
param adminLogin string
@allowed([ 'User', 'Group', 'Application' ])
param adminPrincipalType string
@description('Largest size of the serverless database, in vCores')
param maxVCores int
@description('Minutes without connections before the database pauses (60 is the minimum)')
@minValue(60)
param autoPauseDelayMinutes int
@description('Log Analytics workspace that receives the audit log')
param logAnalyticsId string

resource server 'Microsoft.Sql/servers@2023-08-01' = {
  // checkov:skip=CKV_AZURE_113:Flex Consumption without a virtual network reaches SQL over the public endpoint; only Azure services and Entra identities get in
  name: serverName
  location: location
  tags: tags
  properties: {
    minimalTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    administrators: {
      administratorType: 'ActiveDirectory'
      azureADOnlyAuthentication: true
      login: adminLogin
      sid: adminObjectId
      principalType: adminPrincipalType
      tenantId: tenant().tenantId
    }
  }
}

resource entraOnly 'Microsoft.Sql/servers/azureADOnlyAuthentications@2023-08-01' = {
  parent: server
  name: 'Default'
  properties: {
    azureADOnlyAuthentication: true
  }
}

// 0.0.0.0 is the documented "Allow Azure services" rule: the Function App has no fixed outbound
// address without a virtual network. Every sign-in still needs an Entra token for a database user.
resource allowAzureServices 'Microsoft.Sql/servers/firewallRules@2023-08-01' = {
  parent: server
  name: 'AllowAllWindowsAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource auditing 'Microsoft.Sql/servers/auditingSettings@2023-08-01' = {
  parent: server
  name: 'default'
  properties: {
    state: 'Enabled'
    isAzureMonitorTargetEnabled: true
    retentionDays: 90
    // Sign-ins and permission or schema changes; not every batch, which would bill per query.
    auditActionsAndGroups: [
      'SUCCESSFUL_DATABASE_AUTHENTICATION_GROUP'
      'FAILED_DATABASE_AUTHENTICATION_GROUP'
      'DATABASE_PERMISSION_CHANGE_GROUP'
      'DATABASE_PRINCIPAL_CHANGE_GROUP'
      'DATABASE_ROLE_MEMBER_CHANGE_GROUP'
      'SCHEMA_OBJECT_CHANGE_GROUP'
    ]
  }
}

resource database 'Microsoft.Sql/servers/databases@2023-08-01' = {
  // checkov:skip=CKV_AZURE_224:ledger would make every table append-only, which the app's updates and deletes rule out
  // checkov:skip=CKV_AZURE_229:zone redundancy is not offered for serverless General Purpose at this size and would raise the idle cost
  // checkov:skip=CKV_AZURE_26:alert recipients belong to Microsoft Defender for SQL, which is off (see .ci/extra-infra, CKV_AZURE_25)
  // checkov:skip=CKV_AZURE_27:alert recipients belong to Microsoft Defender for SQL, which is off (see .ci/extra-infra, CKV_AZURE_25)
  parent: server
  name: databaseName
  location: location
  tags: tags
  sku: {
    name: 'GP_S_Gen5'
    tier: 'GeneralPurpose'
    family: 'Gen5'
    capacity: maxVCores
  }
  properties: {
    autoPauseDelay: autoPauseDelayMinutes
    minCapacity: json('0.5')
    requestedBackupStorageRedundancy: 'Local'
    zoneRedundant: false
  }
}

// Server audit records go to Log Analytics through the master database's diagnostic setting.
resource master 'Microsoft.Sql/servers/databases@2023-08-01' existing = {
  parent: server
  name: 'master'
}

resource auditToLogAnalytics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-log-analytics'
  scope: master
  properties: {
    workspaceId: logAnalyticsId
    logs: [
      {
        category: 'SQLSecurityAuditEvents'
        enabled: true
      }
    ]
  }
}

output serverName string = server.name
output fullyQualifiedDomainName string = server.properties.fullyQualifiedDomainName
output databaseName string = database.name
