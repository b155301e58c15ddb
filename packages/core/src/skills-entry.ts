// The skill registry without the storage layer, built as dist/skills.js only so that the build
// (tsup.config.ts) can write the skill manifest from the very registry it bundled. Not a package
// entry: nothing outside core imports it.
export { createSkillRegistry } from './skills/skill-registry';
export { skillListing } from './skills/skill-types';
