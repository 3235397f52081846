#!/usr/bin/env bash
# npm run local:down — stops exactly what `npm run local` started (by pid file), nothing else.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for name in worker api redis emulator; do stop_pidfile "$name"; done
say "local environment stopped"
