#!/bin/sh
# The container's entrypoint: listen on every interface (the port is published, not the
# loopback), and read a config mounted at /etc/switchyard/switchyard.yaml unless
# SWITCHYARD_CONFIG or --config says otherwise. Arguments pass through: `docker run IMAGE check`.
# SWITCHYARD_BIN and SWITCHYARD_ETC exist for the tests that run this script outside a container.
etc="${SWITCHYARD_ETC:-/etc/switchyard}"
if [ -z "${SWITCHYARD_CONFIG:-}" ] && [ -f "$etc/switchyard.yaml" ]; then
  export SWITCHYARD_CONFIG="$etc/switchyard.yaml"
fi
exec ${SWITCHYARD_BIN:-/usr/local/bin/switchyard} --host "${HOST:-0.0.0.0}" "$@"
