import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSkillRegistry, skillListing } from '../src/testing';

// The published `@aos/core/skill-manifest` is data the build wrote (tsup.config.ts onSuccess);
// `list-skills` prints it. These tests run after `pnpm build` and fail when it drifts from the
// registry the source defines.
const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, Record<string, string>>;
};

/** The file the exports map gives `import '@aos/core/skill-manifest'` outside the source condition. */
function builtManifestUrl(): URL {
  const target = packageJson.exports['./skill-manifest']?.import;
  if (target === undefined) throw new Error('package.json has no "./skill-manifest" export with an import condition');
  return new URL(`../${target}`, import.meta.url);
}

describe('@aos/core/skill-manifest', () => {
  it('is, as built, exactly the live registry manifest (same entries, keys and order)', async () => {
    const live = createSkillRegistry().manifest();
    const built = (await import(builtManifestUrl().href)) as { SKILL_MANIFEST: unknown; SKILL_LISTINGS: unknown };
    expect(JSON.stringify(built.SKILL_MANIFEST)).toBe(JSON.stringify(live));
    expect(JSON.stringify(built.SKILL_LISTINGS)).toBe(JSON.stringify(live.map(skillListing)));
  });

  it('loads no other module, so list-skills pays for neither zod nor the skills', () => {
    const source = readFileSync(builtManifestUrl(), 'utf8');
    expect(source).not.toMatch(/^\s*import\b|\bimport\(|\brequire\(/m);
  });
});
