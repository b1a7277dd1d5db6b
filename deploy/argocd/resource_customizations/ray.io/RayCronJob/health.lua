-- Health of a ray.io/v1 RayCronJob for Argo CD.
-- Source of truth: KubeRay v1.6.0-v1.7.0 (ray-operator/apis/ray/v1/raycronjob_types.go),
-- whose status holds only .status.lastScheduleTime; spec.suspend pauses scheduling.
-- The RayJobs it creates carry their own health.
-- Written for Argo CD's sandbox: only the base and table libraries (no string library).
local hs = {}

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Scheduling is suspended (spec.suspend is true)"
  return hs
end

hs.status = "Healthy"
if obj.status ~= nil and obj.status.lastScheduleTime ~= nil then
  hs.message = "Last scheduled at " .. obj.status.lastScheduleTime
else
  hs.message = "Waiting for the first scheduled run"
end
return hs
