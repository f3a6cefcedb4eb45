// What a newcomer needs once everything answers: where things are and the one command to try.

/** The seed's product, exactly as the original system's README posted it. */
export const SEED_PRODUCT = '{"nombre": "iPhone 15", "precio": 999.99, "talla": "L"}';

/** Everything the banner shows. */
export interface BannerFacts {
  apiPort: number;
  relayPort: number;
  mongo: string;
  watch: boolean;
}

/** The lines of the ready banner, first one being the marker line `ready`. */
export function bannerLines({ apiPort, relayPort, mongo, watch }: BannerFacts): string[] {
  const api = `http://localhost:${apiPort}`;
  return [
    `ready${watch ? ' (hot reload: services restart when their files change)' : ''}`,
    `  API       ${api}/api/product/    (health ${api}/readyz)`,
    `  Relay     ws://localhost:${relayPort}    (health http://localhost:${relayPort}/readyz)`,
    `  MongoDB   ${mongo}`,
    `  Live page ${api}/live/?relay=ws://localhost:${relayPort}/    (the product table, live in your browser)`,
    '  Consumer  prints each new product below, prefixed "consumer"',
    '  Try it:',
    `    curl -X POST ${api}/api/product/ -H "Content-Type: application/json" -d '${SEED_PRODUCT}'`,
    '  Ctrl-C stops everything.',
  ];
}
