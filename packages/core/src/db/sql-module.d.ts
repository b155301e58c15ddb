// Migrations are embedded as text at build time (tsup loader, vitest plugin) so a
// published CLI carries them with it.
declare module '*.sql' {
  const text: string;
  export default text;
}
