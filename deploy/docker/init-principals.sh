#!/bin/sh
# The testbed's second init step, once every Region answers: creates the principals its callers authenticate as (a
# client certificate counts only while its principal exists in the Region), using the operator certificate that the
# cluster file's certificates folder holds. Existing principals are left as they are.
#   MRK_REGIONS      comma-separated Regions
#   MRK_PRINCIPALS   comma-separated principals as type/name (user/testbed, role/payments)
set -eu
for region in $(echo "${MRK_REGIONS:?}" | tr ',' ' '); do
  for principal in $(echo "${MRK_PRINCIPALS:?}" | tr ',' ' '); do
    type="${principal%%/*}"
    name="${principal#*/}"
    if output=$(/app/mrk --cluster-file /certs/cluster.json --region "$region" admin create-principal --name "$name" --type "$type" 2>&1); then
      echo "created ${type}/${name} in ${region}"
    elif echo "$output" | grep -q AlreadyExistsException; then
      echo "${type}/${name} exists in ${region}"
    else
      echo "$output" >&2
      exit 1
    fi
  done
done
