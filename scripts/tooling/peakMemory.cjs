// Preloaded by `npm run bench -- --data` (node --require): when the process exits, writes its peak resident set size,
// in bytes, to the file PHI3_PEAK_MEMORY_FILE names. process.resourceUsage().maxRSS is in kilobytes.
const fs = require("node:fs");

process.on("exit", () => {
  const file = process.env.PHI3_PEAK_MEMORY_FILE;
  if (file) fs.writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
});
