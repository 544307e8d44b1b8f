/** `weightDecay` → `weight_decay` (torch's spelling in state dicts). */
export function toSnake(key: string): string {
  return key.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);
}

/** `weight_decay` → `weightDecay`. Keys with capitals (`H_diag`) are left as they are. */
export function toCamel(key: string): string {
  if (/[A-Z]/.test(key)) return key;
  return key.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
}
