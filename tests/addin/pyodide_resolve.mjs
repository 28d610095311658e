// micropip, inside real Pyodide under Node, installing a wheel the way xlwings Lite installs requirements.txt
// (test_pyodide.py runs this; see there).
//
//   node pyodide_resolve.mjs PYODIDE_DIR MICROPIP_WHEEL WHEEL REQUIREMENT...
//
// PYODIDE_DIR is the npm package `pyodide` (runtime and pyodide-lock.json); MICROPIP_WHEEL is micropip's wheel
// from PyPI (the one Pyodide's lock file names; its CDN copy is not reachable in CI); WHEEL is copied into
// Pyodide's file system as /wheels/<its name>, so a REQUIREMENT may be `emfs:/wheels/<its name>`.
//
// micropip.install(REQUIREMENTS, keep_going=true) then resolves every requirement: from the lock file first (as
// Lite does, with the default index), then from PyPI (pure Python wheels, fetched from files.pythonhosted.org).
// The packages of the lock file are Pyodide's own WebAssembly builds, served only by its CDN: instead of loading
// them, pyodide.loadPackage records the names micropip asks for. Everything else happens for real.
//
// Prints one JSON line: {micropip, missing: [requirement...], error, installed: {name: source}, requested: [...]}.
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, micropipWheel, wheel, ...requirements] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(join(pyodideDir, "pyodide.mjs")).href);
const log = (text) => process.stderr.write(text + "\n");
const pyodide = await loadPyodide({ stdout: log, stderr: log });

await pyodide.loadPackage(pathToFileURL(micropipWheel).href, { messageCallback: log, errorCallback: log });
pyodide.FS.mkdirTree("/wheels");
pyodide.FS.writeFile(`/wheels/${basename(wheel)}`, readFileSync(wheel));

const requested = [];
pyodide.loadPackage = async (names) => {  // micropip binds this when it is first imported, below
  requested.push(...[names].flat());
  return [];
};

pyodide.globals.set("requirements", pyodide.toPy(requirements));
const report = await pyodide.runPythonAsync(`
import json, re
import micropip

report = {"micropip": micropip.__version__, "missing": [], "error": None}
try:
    await micropip.install(list(requirements), keep_going=True)
except ValueError as exc:  # keep_going: every requirement that has no wheel, in one message
    report["error"] = str(exc)
    lead, _, listed = str(exc).splitlines()[0].partition(" wheel for: ")
    if lead == "Can't find a pure Python 3":
        report["missing"] = re.findall(r"'([^']+)'", listed)
report["installed"] = {name: package.source for name, package in micropip.list().items()}
json.dumps(report)
`);
console.log(JSON.stringify({ ...JSON.parse(report), requested }));
