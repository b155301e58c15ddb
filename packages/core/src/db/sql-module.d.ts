// Migrations are embedded as text at build time (tsup loader, vitest plugin) so a
// published CLI carries them with it. `aos-migrations:<file>.sql` names one (migration-sources.ts).
declare module 'aos-migrations:*.sql' {
  const text: string;
  export default text;
}
