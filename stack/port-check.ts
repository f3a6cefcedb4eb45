import { createServer } from 'node:net';

/** Rejects with a message naming `variable` when something already listens on `port`. */
export async function assertPortFree(port: number, variable: string): Promise<void> {
  // Listening on the unspecified address (dual-stack ::) collides with any listener on the port,
  // whether it bound 127.0.0.1, 0.0.0.0 or ::, which is what the service itself would run into.
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ port, exclusive: true }, resolve);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new Error(`port ${port} is already in use (${variable}); stop whatever uses it or set ${variable} to a free port`, {
        cause: error,
      });
    }
    throw new Error(`cannot listen on port ${port} (${variable}): ${code ?? String(error)}`, { cause: error });
  } finally {
    await new Promise((resolve) => probe.close(resolve));
  }
}
