import { escapeControls as safe, paint, skillTable, textTable, writeJson, type CliIo } from '@aos/proof/cli-kit';
import type {
  ApiKeyCreatedJson,
  ApiKeyDocJson,
  ApiKeysDocJson,
  AuditJson,
  DemoJson,
  KeySetJson,
  KeysGenerateJson,
  KeysRotateJson,
  KeysShowJson,
  ListSkillsJson,
  DbRolesJson,
  MigrateJson,
  QuotaJson,
  RecoverJson,
  SharedAgentJson,
  TenantDocJson,
  TenantsDocJson,
  WorkerJson,
} from './json-shapes';

/** Writes the one JSON document of a command. */
export function writeDocument(io: CliIo, document: unknown): void {
  writeJson(io, document);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function duration(ms: number): string {
  if (ms === 0) return '0s';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function cents(value: number): string {
  return `${Math.round(value * 10_000) / 10_000}c`;
}

const INDENT = '      ';

type Quota = DemoJson['quota'];

function quotaLine(quota: Quota): string {
  return (
    `daily ${cents(quota.daily_limit_cents)} · hourly ${cents(quota.hourly_limit_cents)} · ` +
    `per-request ${cents(quota.request_limit_cents)} · per-run ${cents(quota.run_limit_cents)} · ` +
    `warn at ${Math.round(quota.warn_threshold * 1000) / 10}% · hard limit ${quota.hard_limit ? 'on' : 'off'}`
  );
}

/** The demo's lines, one block per step, written as each step finishes. */
export function demoRenderer(io: CliIo, quick: boolean) {
  const out = io.stdout;
  const step = (n: number, text: string): string => `${paint(io, out, 'bold', `[${n}/5]`)} ${text}\n`;
  return {
    header(store: DemoJson['store'], openMs: number): string {
      return `AOS operator demo${quick ? ' (--quick)' : ''}: ${store.driver} store at ${store.location} (opened in ${seconds(openMs)})\n\n`;
    },
    skills(skills: DemoJson['skills']): string {
      const more = skills.count - skills.names.length;
      return (
        step(1, `Skills discovered: ${skills.count} in the registry`) +
        `${INDENT}${skills.names.join(', ')}${more > 0 ? `, … (${more} more)` : ''}\n`
      );
    },
    quota(quota: Quota): string {
      const source = quota.source === 'stored' ? 'stored row' : 'no stored row, so the defaults apply';
      return (
        step(2, `Quota of tenant "${quota.tenant_id}" read from storage: ${source}`) + `${INDENT}${quotaLine(quota)}\n`
      );
    },
    determinism(d: DemoJson['determinism']): string {
      const lines = [step(3, `${d.skill} executed twice on the same input`)];
      if (!quick) {
        lines.push(`${INDENT}input:  ${JSON.stringify(d.input)}\n`, `${INDENT}output: ${JSON.stringify(d.output)}\n`);
      }
      lines.push(`${INDENT}run 1 output sha256 (canonical JSON): ${d.hashes[0]}\n`);
      lines.push(`${INDENT}run 2 output sha256 (canonical JSON): ${d.hashes[1]}\n`);
      lines.push(
        d.deterministic
          ? `${INDENT}Deterministic: ${paint(io, out, 'green', 'Yes')} (identical hashes)\n`
          : `${INDENT}Deterministic: ${paint(io, out, 'red', 'No')} (the two outputs differ)\n`,
      );
      return lines.join('');
    },
    cost(cost: DemoJson['cost'], dailyLimit: number): string {
      const alerts =
        cost.alerts.length === 0
          ? `${INDENT}Alerts triggered: none (read from budget_alerts)\n`
          : `${INDENT}Alerts triggered (read from budget_alerts): ${cost.alerts.length}\n` +
            cost.alerts.map((a) => `${INDENT}  ${a.level} ${a.period}: ${safe(a.message)}\n`).join('');
      return (
        step(
          4,
          `Cost event #${cost.event_id} recorded for tenant "${cost.tenant_id}" and read back: ${cents(cost.cost_cents)} at ${cost.created_at}`,
        ) +
        `${INDENT}Daily spend of "${cost.tenant_id}": ${cents(cost.daily_spend_cents)} of ${cents(dailyLimit)} (this hour: ${cents(cost.hourly_spend_cents)})\n` +
        alerts
      );
    },
    timing(t: DemoJson['timing']): string {
      const parts = [`opening the store ${seconds(t.store_open_ms)}`];
      if (t.paused_ms > 0) parts.push(`pauses ${seconds(t.paused_ms)}`);
      return step(5, `Total time: ${seconds(t.total_ms)} (${parts.join(', ')})`);
    },
    next(commands: readonly string[], dropped: readonly string[]): string {
      const droppedLine =
        dropped.length > 0 ? `\n--quick left out: ${dropped.join('; ')}. Every check above still ran.\n` : '';
      return `${droppedLine}\nNext, as a customer (package @aos/cus-cli, bin cus-cli):\n${commands.map((c) => `  ${c}\n`).join('')}`;
    },
  };
}

/** `list-skills` as a table: the kit's, so that it looks as `cus-cli list-skills` does. */
export function renderSkills(skills: ListSkillsJson['skills']): string {
  return skillTable(skills);
}

/** `db roles`: one line per role. */
export function renderDbRoles(result: DbRolesJson): string {
  const lines = result.roles.map((r) => `${r.name.padEnd(9)}  ${r.status === 'created' ? 'created now' : 'exists'}\n`);
  return `Store: ${result.store.driver} at ${result.store.location}\n${lines.join('')}`;
}

/** `migrate`: one line per migration. */
export function renderMigrate(result: MigrateJson): string {
  const width = Math.max(...result.migrations.map((m) => m.name.length), 4);
  const lines = result.migrations.map((m) =>
    m.status === 'applied'
      ? `${m.name.padEnd(width)}  applied now\n`
      : `${m.name.padEnd(width)}  already applied (${m.executed_at ?? 'unknown time'})\n`,
  );
  const summary =
    result.applied_now === 0
      ? 'Up to date: no pending migration.\n'
      : `Applied ${result.applied_now} migration${result.applied_now === 1 ? '' : 's'}.\n`;
  const queue = result.run_queue
    ? `Run queue: graphile-worker schema ${result.run_queue.schema}, current.\n`
    : 'Run queue: none (the embedded database executes runs inline).\n';
  return `Store: ${result.store.driver} at ${result.store.location}\n${lines.join('')}${summary}${queue}`;
}

function keySource(key: KeysShowJson['key']): string {
  return key.source === 'env' ? 'AOS_SIGNING_KEY (environment)' : `file ${key.path ?? ''}`;
}

function retiredLines(keySet: KeySetJson): string[] {
  return keySet.keys
    .filter((k) => k.status === 'retired')
    .map(
      (k) =>
        `retired: ${k.verifier_key} (${k.retired_at === null ? 'AOS_RETIRED_VERIFIER_KEYS' : `since ${k.retired_at}`})`,
    );
}

/** `keys show`: the current verifier key, then each retired one. */
export function renderKeyShow(result: KeysShowJson): string {
  const lines = [
    `verifier_key: ${result.key.verifier_key}`,
    `name: ${result.key.name}`,
    `key_id: ${result.key.key_id}`,
    `source: ${keySource(result.key)}`,
    ...retiredLines(result.key_set),
  ];
  if (result.key_set.file !== null) lines.push(`key_set: ${result.key_set.file}`);
  return `${lines.join('\n')}\n`;
}

/** `keys generate`; warnings go to stderr separately. */
export function renderKeyGenerate(result: KeysGenerateJson): string {
  return `Created signing key ${result.key.path} (mode 0600)\nverifier_key: ${result.key.verifier_key}\n`;
}

/** `keys rotate`. */
export function renderKeyRotate(result: KeysRotateJson): string {
  const n = result.key_set.keys.length;
  return (
    `Rotated signing key ${result.key.path} (mode 0600)\n` +
    `verifier_key: ${result.key.verifier_key}\n` +
    `retired verifier_key: ${result.retired.verifier_key} (since ${result.retired.retired_at})\n` +
    `old private key kept as ${result.retired.backup_path} (verification needs only the verifier key)\n` +
    `Trusted key set: ${n} key${n === 1 ? '' : 's'}${result.key_set.file === null ? '' : ` in ${result.key_set.file}`}; ` +
    'runs sealed before the rotation keep verifying. Restart long-running workers so they sign with the new key.\n'
  );
}

/** `quota get|set`. */
export function renderQuota(result: QuotaJson, changed: boolean): string {
  const q = result.quota;
  const source = q.source === 'stored' ? 'stored' : 'defaults (no stored row)';
  return (
    `${changed ? 'Updated quota' : 'Quota'} of tenant "${q.tenant_id}" (${source})\n` +
    `daily_limit_cents: ${q.daily_limit_cents}\nhourly_limit_cents: ${q.hourly_limit_cents}\n` +
    `request_limit_cents: ${q.request_limit_cents}\nrun_limit_cents: ${q.run_limit_cents}\n` +
    `warn_threshold: ${q.warn_threshold}\nhard_limit: ${q.hard_limit}\n` +
    `spend today: ${cents(result.spend.daily_cents)} · this hour: ${cents(result.spend.hourly_cents)}\n`
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Tenant logs the audit summary names one by one. */
const MAX_LOGS_NAMED = 10;

/** `audit`: verification failures, then the other findings, then the summary. */
export function renderAudit(io: CliIo, result: AuditJson): string {
  const out = io.stdout;
  const lines = result.failures.map(
    (f) => `${paint(io, out, 'red', 'FAILED')}  run ${f.run_id}  tenant ${safe(f.tenant_id)}  ${safe(f.reason)}\n`,
  );
  for (const f of result.findings) {
    if (f.kind === 'verification_failed') continue;
    const ids = [
      f.run_id && `run ${f.run_id}`,
      f.tenant_id && `tenant ${safe(f.tenant_id)}`,
      f.log_index !== undefined && `log_index ${f.log_index}`,
    ]
      .filter(Boolean)
      .join('  ');
    lines.push(`${paint(io, out, 'red', f.kind.toUpperCase())}  ${ids ? `${ids}  ` : ''}${safe(f.message)}\n`);
  }
  const scope = result.tenant_id === null ? 'all tenants' : `tenant "${result.tenant_id}"`;
  const others = result.findings.filter((f) => f.kind !== 'verification_failed').length;
  const verdict =
    result.findings.length === 0
      ? paint(io, out, 'green', 'all verified')
      : paint(io, out, 'red', 'integrity check failed');
  const open =
    result.unsealed - result.findings.filter((f) => f.kind === 'unsealed_trace' || f.kind === 'stale_run').length;
  const unsealed =
    open > 0 ? `${plural(open, 'trace')} not sealed yet (runs still executing or waiting for a retry)\n` : '';
  const coverage =
    `Coverage: ${plural(result.traces, 'trace')} for ${plural(result.runs_expecting_trace, 'run')} that should have one` +
    (others > 0 ? `; ${plural(others, 'other finding')}\n` : '\n');
  const logLeaves = result.logs.reduce((sum, log) => sum + log.leaves, 0);
  // A deployment may have thousands of tenants: the line names the first few, --json has them all.
  const named = result.logs.slice(0, MAX_LOGS_NAMED).map((log) => `${log.tenant_id}: ${log.leaves}`);
  if (result.logs.length > MAX_LOGS_NAMED) named.push(`${result.logs.length - MAX_LOGS_NAMED} more`);
  const logs =
    `Tenant logs: ${plural(result.logs.length, 'log')} re-derived from ${logLeaves} lea${logLeaves === 1 ? 'f' : 'ves'}` +
    (named.length > 0 ? ` (${named.join(', ')})` : '') +
    (result.log_queued > 0 ? `; ${plural(result.log_queued, 'sealed trace')} queued for the sequencer\n` : '\n');
  const keys = result.trusted_keys.map((k) => `${k.verifier_key.split('+').slice(0, 2).join('+')} (${k.source})`);
  return (
    lines.join('') +
    `Audit of ${scope}: ${result.checked} sealed trace${result.checked === 1 ? '' : 's'} checked in ${seconds(result.duration_ms)}: ` +
    `${result.verified} VERIFIED, ${result.failed} FAILED — ${verdict}\n` +
    coverage +
    logs +
    unsealed +
    `Trusted keys: ${keys.join(', ') || 'none'}\n`
  );
}

/** `recover`: one line per finished run. */
export function renderRecover(result: RecoverJson): string {
  const lines = result.recovered.map(
    (r) =>
      `recovered run ${r.run_id} (tenant ${r.tenant_id}): failed; ` +
      (r.trace_sealed
        ? `trace aborted and sealed over ${r.step_count} step${r.step_count === 1 ? '' : 's'}`
        : 'it had no trace') +
      '\n',
  );
  const scope = result.tenant_id === null ? '' : ` of tenant "${result.tenant_id}"`;
  const summary =
    result.recovered.length === 0
      ? `No stale run${scope} (running with no progress for ${duration(result.older_than_ms)} or more).\n`
      : `Recovered ${result.recovered.length} stale run${result.recovered.length === 1 ? '' : 's'}${scope}.\n`;
  return lines.join('') + summary;
}

/** `worker`: one line per executed attempt, as it finishes. */
export function renderWorkerLine(entry: WorkerJson['executed'][number]): string {
  return (
    `run ${entry.run_id} (tenant ${entry.tenant_id}) attempt ${entry.attempt}: ${entry.status}, ` +
    `${entry.steps_appended} step${entry.steps_appended === 1 ? '' : 's'} appended${entry.error ? `; ${safe(entry.error)}` : ''}\n`
  );
}

/** `worker`: a run whose execution threw, and what was recorded on it. */
export function renderWorkerErrorLine(entry: WorkerJson['errors'][number]): string {
  const outcome = entry.marked_failed
    ? 'marked failed'
    : 'left as it is (it has a trace or is finished; recovery finishes it once its lease expires)';
  return `run ${entry.run_id} (tenant ${entry.tenant_id}) could not be executed: ${safe(entry.error)}; ${outcome}\n`;
}

/** `worker`: what a pass of the recovery task changed. */
export function renderWorkerRecovery(report: {
  readonly [K in keyof WorkerJson['recovered']]: readonly string[];
}): string {
  const lines = [
    ...report.requeued.map((id) => `run ${id}: its lease expired; the next attempt is queued\n`),
    ...report.failed.map(
      (id) =>
        `run ${id}: its lease expired with no attempt left (or an unknown outcome); finished failed, trace sealed\n`,
    ),
    ...report.enqueued.map((id) => `run ${id}: was waiting without a job; queued\n`),
  ];
  return lines.join('');
}

/** `worker`: what it did in total. */
export function renderWorkerSummary(result: WorkerJson): string {
  const skipped = result.skipped.map((s) => `skipped run ${s.run_id}: ${safe(s.reason)}\n`).join('');
  const n = result.executed.length;
  const e = result.errors.length;
  const executed = n === 0 && e === 0 ? 'No run was due.' : `Executed ${n} run attempt${n === 1 ? '' : 's'}.`;
  const errors = e === 0 ? '' : ` ${e} run${e === 1 ? '' : 's'} could not be executed.`;
  return `${skipped}${executed}${errors}\n`;
}

/** The kit's table (measured in terminal cells), every cell's controls escaped. */
function columns(rows: readonly (readonly string[])[]): string {
  return textTable(rows.map((row) => row.map(safe)))
    .map((line) => `${line}\n`)
    .join('');
}

/** `tenants create|suspend|resume`: the tenant after the change. */
export function renderTenant(verb: string, { tenant }: TenantDocJson): string {
  return `${verb} tenant ${safe(tenant.id)} (${safe(tenant.name)}): ${tenant.status}\n`;
}

/** `tenants list` as a table. */
export function renderTenants({ tenants }: TenantsDocJson): string {
  if (tenants.length === 0) return 'No tenants. Create one with int-cli tenants create --tenant-id T\n';
  return columns([
    ['TENANT', 'NAME', 'STATUS', 'CREATED'],
    ...tenants.map((t) => [t.id, t.name, t.status, t.created_at]),
  ]);
}

/** `api-keys create`: the key once, and what to do with it. */
export function renderApiKeyCreated({ api_key: apiKey, key }: ApiKeyCreatedJson): string {
  return (
    `Created API key ${apiKey.id} (prefix ${apiKey.prefix}) for tenant ${apiKey.tenant_id}, scopes ${apiKey.scopes.join(', ')}.\n` +
    `Key (shown once; only its SHA-256 is stored):\n  ${key}\n` +
    'Hand it to the customer, who runs: cus-cli login --api-url <server URL> (and pastes the key)\n'
  );
}

/** `api-keys list` as a table: prefixes, never secrets. */
export function renderApiKeys({ api_keys: keys }: ApiKeysDocJson): string {
  if (keys.length === 0) return 'No API keys.\n';
  return columns([
    ['KEY ID', 'PREFIX', 'TENANT', 'SCOPES', 'LAST USED', 'REVOKED'],
    ...keys.map((k) => [k.id, k.prefix, k.tenant_id, k.scopes.join(','), k.last_used_at ?? '-', k.revoked_at ?? '-']),
  ]);
}

/** `api-keys revoke`. */
export function renderApiKeyRevoked({ api_key: apiKey }: ApiKeyDocJson): string {
  return `Revoked API key ${apiKey.id} (prefix ${apiKey.prefix}) of tenant ${apiKey.tenant_id} at ${apiKey.revoked_at ?? '?'}\n`;
}

/** `agents create --shared`. */
export function renderSharedAgent({ agent }: SharedAgentJson): string {
  return `Created shared agent: ${agent.id} (${safe(agent.name)}), usable by every tenant\n`;
}
