-- Health of a ray.io/v1 RayService for Argo CD.
-- Source of truth: .status.conditions (KubeRay v1.3+) and the older .status.serviceStatus
-- (KubeRay v1.0-v1.2) as the operator writes them (ray-operator/apis/ray/v1/rayservice_types.go
-- at each tag), plus the Serve application statuses of the active RayCluster.
-- Written for Argo CD's sandbox: only the base and table libraries (no string library).
local hs = {}

local function condition(status, conditionType)
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function isTrue(c)
  return c ~= nil and c.status == "True"
end

-- "text (reason): message" with the parts that are set.
local function explain(text, reason, message)
  if reason ~= nil and reason ~= "" then
    text = text .. " (" .. reason .. ")"
  end
  if message ~= nil and message ~= "" then
    text = text .. ": " .. message
  end
  return text
end

-- Serve applications of the active cluster that Ray reports as failed, sorted by name.
local function failingApps(status)
  local failing = {}
  local active = status.activeServiceStatus
  if active == nil or active.applicationStatuses == nil then
    return failing
  end
  for name, app in pairs(active.applicationStatuses) do
    if app.status == "DEPLOY_FAILED" or app.status == "UNHEALTHY" then
      table.insert(failing, name)
    end
  end
  table.sort(failing)
  return failing
end

local function failingMessage(status, failing)
  local parts = {}
  for _, name in ipairs(failing) do
    table.insert(parts, name .. " is " .. status.activeServiceStatus.applicationStatuses[name].status)
  end
  local text = "Serve application " .. table.concat(parts, ", ")
  if #failing == 1 then
    text = explain(text, nil, status.activeServiceStatus.applicationStatuses[failing[1]].message)
  end
  return text
end

local status = obj.status
if status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the KubeRay operator to report status"
  return hs
end

local generation = obj.metadata.generation
if generation ~= nil and status.observedGeneration ~= nil and status.observedGeneration ~= generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the KubeRay operator to observe generation " .. tostring(generation)
  return hs
end

local ready = condition(status, "Ready")
if ready == nil then
  -- KubeRay v1.0-v1.2: only .status.serviceStatus.
  local serviceStatus = status.serviceStatus or ""
  if serviceStatus == "Running" then
    local failing = failingApps(status)
    if #failing > 0 then
      hs.status = "Degraded"
      hs.message = failingMessage(status, failing)
    else
      hs.status = "Healthy"
      hs.message = "Serve applications are running"
    end
  elseif serviceStatus == "FailedToGetOrCreateRayCluster" or serviceStatus == "FailedToGetServeDeploymentStatus"
    or serviceStatus == "FailedToUpdateIngress" or serviceStatus == "FailedToUpdateServingPodLabel"
    or serviceStatus == "FailedToUpdateService" then
    hs.status = "Degraded"
    hs.message = "KubeRay reports " .. serviceStatus .. " and retries"
  elseif serviceStatus == "Restarting" then
    hs.status = "Progressing"
    hs.message = "Restarting: preparing a new RayCluster"
  elseif serviceStatus == "" then
    hs.status = "Progressing"
    hs.message = "Waiting for the Serve applications to be ready"
  else
    hs.status = "Progressing"
    hs.message = "Waiting: " .. serviceStatus
  end
  return hs
end

if isTrue(condition(status, "Suspended")) then
  hs.status = "Suspended"
  hs.message = "RayService is suspended (spec.suspend is true)"
  return hs
end
if isTrue(condition(status, "Suspending")) then
  hs.status = "Progressing"
  hs.message = "Suspending: deleting the RayClusters"
  return hs
end
if ready.status ~= "True" then
  if ready.reason == "ValidationFailed" or ready.reason == "InitializingTimeout" or ready.reason == "ZeroServeEndpoints" then
    hs.status = "Degraded"
    hs.message = explain("Not ready", ready.reason, ready.message)
  else
    hs.status = "Progressing"
    hs.message = explain("Not ready yet", ready.reason, ready.message)
  end
  return hs
end

local rollback = condition(status, "RollbackInProgress")
if isTrue(rollback) then
  hs.status = "Progressing"
  hs.message = explain("Rolling back the upgrade", rollback.reason, rollback.message)
  return hs
end
local upgrade = condition(status, "UpgradeInProgress")
if isTrue(upgrade) then
  hs.status = "Progressing"
  hs.message = explain("Upgrading to a new RayCluster", upgrade.reason, upgrade.message)
  return hs
end

local failing = failingApps(status)
if #failing > 0 then
  hs.status = "Degraded"
  hs.message = failingMessage(status, failing)
  return hs
end

hs.status = "Healthy"
if status.numServeEndpoints ~= nil then
  hs.message = "Serving on " .. tostring(status.numServeEndpoints) .. " Serve endpoints"
else
  hs.message = "Ready to serve requests"
end
return hs
