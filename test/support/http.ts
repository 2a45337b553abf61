// Reading JSON bodies in tests, where assertions walk whatever shape the API returned.

// biome-ignore lint/suspicious/noExplicitAny: assertions check the shape; a cast per field would only add noise
export type AnyJson = any;

export function readJson(response: Response): Promise<AnyJson> {
  return response.json();
}
