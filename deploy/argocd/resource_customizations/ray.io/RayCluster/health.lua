-- Health of a ray.io/v1 RayCluster for Argo CD.
-- Source of truth: .status.state and .status.conditions as KubeRay v1.0.0-v1.7.0 write
-- them (ray-operator/apis/ray/v1/raycluster_types.go at each tag). The conditions exist
-- from v1.2 (feature gate RayClusterStatusConditions, on by default from v1.3); without
-- them only the deprecated .status.state is read.
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

local provisioned = condition(status, "RayClusterProvisioned")
local headReady = condition(status, "HeadPodReady")
local hasConditions = provisioned ~= nil or headReady ~= nil
local replicaFailure = condition(status, "ReplicaFailure")
local suspendRequested = obj.spec ~= nil and obj.spec.suspend == true

if hasConditions and isTrue(condition(status, "RayClusterSuspended")) then
  hs.status = "Suspended"
  hs.message = "RayCluster is suspended (spec.suspend is true)"
  return hs
end
if hasConditions and isTrue(condition(status, "RayClusterSuspending")) then
  hs.status = "Progressing"
  hs.message = "Suspending: deleting the Ray Pods"
  return hs
end
if isTrue(replicaFailure) then
  hs.status = "Degraded"
  hs.message = explain("Ray Pods could not be created or deleted", replicaFailure.reason, replicaFailure.message)
  return hs
end

if not hasConditions then
  -- KubeRay v1.0-v1.2 without the conditions gate: only .status.state.
  if status.state == "failed" or status.state == "unhealthy" then
    hs.status = "Degraded"
    hs.message = explain("RayCluster is " .. status.state, status.reason, nil)
  elseif status.state == "suspended" and suspendRequested then
    hs.status = "Suspended"
    hs.message = "RayCluster is suspended (spec.suspend is true)"
  elseif status.state == "suspended" then
    hs.status = "Progressing"
    hs.message = "Resuming: waiting for all Ray Pods to be running"
  elseif status.state == "ready" then
    hs.status = "Healthy"
    hs.message = "All Ray Pods are running"
  else
    hs.status = "Progressing"
    hs.message = "Waiting for all Ray Pods to be running"
  end
  return hs
end

if not isTrue(provisioned) then
  hs.status = "Progressing"
  if provisioned ~= nil then
    hs.message = explain("Provisioning", provisioned.reason, provisioned.message)
  else
    hs.message = "Waiting for all Ray Pods to be ready"
  end
  return hs
end
if headReady ~= nil and headReady.status ~= "True" then
  hs.status = "Degraded"
  hs.message = explain("Head Pod is not ready", headReady.reason, headReady.message)
  return hs
end

hs.status = "Healthy"
hs.message = "Head Pod is ready; " .. tostring(status.readyWorkerReplicas or 0) .. " of "
  .. tostring(status.desiredWorkerReplicas or 0) .. " worker Pods ready"
return hs
