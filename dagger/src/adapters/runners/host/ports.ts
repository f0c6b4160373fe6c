/** Free loopback ports for the servers the host runner starts (PostgreSQL, a registry). */
import { createServer } from "node:net";

/** A free TCP port on 127.0.0.1, from the kernel. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
