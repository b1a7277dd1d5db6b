-- Health of a ray.io/v1 RayJob for Argo CD.
-- Source of truth: .status.jobDeploymentStatus and .status.jobStatus as KubeRay
-- v1.0.0-v1.7.0 write them (ray-operator/apis/ray/v1/rayjob_types.go at each tag).
-- Written for Argo CD's sandbox: only the base and table libraries (no string library).
local hs = {}

-- "text (reason): message" with the parts the operator wrote.
local function explain(text, status)
  if status.reason ~= nil and status.reason ~= "" then
    text = text .. " (" .. status.reason .. ")"
  end
  if status.message ~= nil and status.message ~= "" then
    text = text .. ": " .. status.message
  end
  return text
end

local status = obj.status
if status == nil or status.jobDeploymentStatus == nil or status.jobDeploymentStatus == "" then
  hs.status = "Progressing"
  hs.message = "Waiting for the KubeRay operator to start the RayJob"
  return hs
end

local deployment = status.jobDeploymentStatus
local job = status.jobStatus or ""

if deployment == "Complete" then
  -- v1.0 reported a failed or stopped Ray job as Complete; v1.1+ reports FAILED as Failed.
  if job == "FAILED" then
    hs.status = "Degraded"
    hs.message = explain("Ray job failed", status)
  elseif job == "STOPPED" then
    hs.status = "Degraded"
    hs.message = explain("Ray job was stopped before it finished", status)
  else
    hs.status = "Healthy"
    hs.message = "Ray job succeeded"
  end
elseif deployment == "Failed" then
  hs.status = "Degraded"
  hs.message = explain("RayJob failed", status)
elseif deployment == "ValidationFailed" then
  hs.status = "Degraded"
  hs.message = explain("RayJob spec is invalid", status)
elseif deployment == "Suspended" then
  hs.status = "Suspended"
  hs.message = "RayJob is suspended (spec.suspend is true)"
elseif deployment == "Suspending" then
  hs.status = "Progressing"
  hs.message = "Suspending: deleting the RayCluster"
elseif deployment == "Retrying" then
  hs.status = "Progressing"
  hs.message = "Retrying after a failed attempt (" .. tostring(status.failed or 0) .. " failed so far)"
elseif deployment == "Waiting" then
  hs.status = "Progressing"
  hs.message = "Waiting for a job to be submitted (InteractiveMode: set spec.jobId)"
elseif deployment == "Initializing" then
  hs.status = "Progressing"
  hs.message = "Initializing: waiting for the RayCluster to be ready"
elseif deployment == "Running" then
  hs.status = "Progressing"
  if job == "" then
    hs.message = "Submitting the Ray job"
  else
    hs.message = "Ray job is " .. job
  end
-- KubeRay v1.0 only: intermediate states that later versions fold into Initializing/Running.
elseif deployment == "WaitForDashboard" or deployment == "WaitForDashboardReady" then
  hs.status = "Progressing"
  hs.message = "Waiting for the Ray dashboard"
elseif deployment == "WaitForK8sJob" then
  hs.status = "Progressing"
  hs.message = "Waiting for the submitter Kubernetes Job"
-- KubeRay v1.0 only: errors the operator keeps retrying.
elseif deployment == "FailedToGetOrCreateRayCluster" or deployment == "FailedJobDeploy" or deployment == "FailedToGetJobStatus" then
  hs.status = "Degraded"
  hs.message = explain("KubeRay reports " .. deployment .. " and retries", status)
else
  hs.status = "Progressing"
  hs.message = "Unrecognised jobDeploymentStatus " .. deployment
end
return hs
