// The skill registry and skills without the storage layer: `list-skills` and planners that
// only need the manifest import this instead of the main entry (no PGlite, no pool).
export * from './skills/index';
