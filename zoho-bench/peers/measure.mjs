// The timing loop the Node peers share: warm up, then for each concurrency run that many async
// workers calling `oneCall` for `seconds` and print one JSON line (calls, seconds, this
// process's CPU in that window, p50/p99 in microseconds, failures).

export async function measure(oneCall, seconds, concurrencies) {
  for (let i = 0; i < 20; i++) await oneCall();
  for (const concurrency of concurrencies.split(",").map(Number)) {
    const latencies = [];
    const failures = [];
    const started = performance.now();
    const deadline = started + seconds * 1000;
    const cpuBefore = process.cpuUsage();
    const worker = async () => {
      while (performance.now() < deadline) {
        const sent = performance.now();
        try {
          await oneCall();
          latencies.push((performance.now() - sent) * 1000);
        } catch (error) {
          failures.push(String(error && error.stack ? error.stack : error));
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const elapsed = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    latencies.sort((a, b) => a - b);
    const pick = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : 0);
    console.log(
      JSON.stringify({
        concurrency,
        calls: latencies.length,
        seconds: elapsed,
        cpu_us: cpu.user + cpu.system,
        p50_us: pick(0.5),
        p99_us: pick(0.99),
        failed: failures.length,
        first_failure: failures[0] ?? null,
      })
    );
  }
}
