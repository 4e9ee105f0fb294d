import { loadAdapter } from "./src/runtime.ts";
const adapter = await loadAdapter();
const entry = new URL("./src/checkpointer.ts", import.meta.url).href;
const init = { workerId: "checkpointer", supervisorId: "x", databasePath: "/tmp/ck/x.db", taskModules: [], isolation: "thread", workerIdleMs: 1000, logLevels: ["warn","error"], host: "h", forwardLogs: false } as any;
const t0 = performance.now(); const cpu0 = process.cpuUsage();
const h = adapter.spawner("thread").spawn(entry, init);
setTimeout(() => h.send({ type: "stop" }), 10);
const exit = await h.exited; const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify(exit), "ms", Math.round(performance.now() - t0), "cpu ms", Math.round((cpu.user + cpu.system) / 1000));
