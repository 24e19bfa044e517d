// Types of the container setup script (plain JavaScript: it runs in the Azurite image as is).
export function parseAccounts(value: string | undefined): Map<string, string>;
export function stringToSign(account: string, container: string, date: string): string;
export function createContainer(
  endpoint: string,
  account: string,
  key: string,
  container: string,
): Promise<"created" | "exists">;
export function main(env?: Record<string, string | undefined>): Promise<void>;
