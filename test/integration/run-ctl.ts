// Runs `tend ctl` from source (src/main.ts does not dispatch to it yet):
// `bun test/integration/run-ctl.ts [ctl options] ACTION...`, for the
// comparison with supervisorctl.

import { runCtl } from "../../src/ctl/main.ts";

process.exit(await runCtl(Bun.argv.slice(2)));
