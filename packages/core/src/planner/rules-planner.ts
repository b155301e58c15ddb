import { sha256Hex } from '@aos/proof';

import type { JsonValue } from '../db/schema';
import type { Plan, PlanStep } from './plan-schema';

/** Version of the keyword rules; part of every rules plan and of its `plan_id`. */
export const RULES_PLANNER_VERSION = '1.0.0';

/** The rules, highest priority first, and the keywords that trigger each one. */
export const PLANNING_RULES = [
  { rule: 'analyze_url', keywords: ['analyze', 'analyse', 'summarize', 'summarise', 'explain'], needs: 'url' },
  { rule: 'fetch_url', keywords: ['fetch', 'get', 'http', 'api', 'request'], needs: 'url' },
  { rule: 'transform_json', keywords: ['transform', 'extract', 'filter', 'pick'], needs: 'json' },
  { rule: 'llm', keywords: ['llm', 'chat', 'generate', 'write', 'compose'], needs: 'nothing' },
  { rule: 'echo', keywords: ['echo', 'say', 'print'], needs: 'nothing' },
] as const;
/** Name of a rule, as recorded in `metadata.rule`; `fallback_echo` when no rule matched. */
export type PlanningRuleName = (typeof PLANNING_RULES)[number]['rule'] | 'fallback_echo';

interface Region {
  readonly start: number;
  readonly end: number;
}

interface GoalParts {
  /** The goal with URLs and inline JSON blanked out (same length, so positions still match). */
  readonly words: string;
  readonly url: string | undefined;
  readonly json: JsonValue | undefined;
}

/**
 * The rules plan for `goal`: a pure function of the goal (and RULES_PLANNER_VERSION). No clock,
 * no randomness, no network — the same goal always gives the same bytes and so the same
 * plan_hash. Keywords are whole words, any case, looked for outside URLs and inline JSON (so
 * `https://api.example.com/get` does not count as "api" or "get"). The plan is not validated
 * here; {@link generatePlanForRun} validates every plan.
 *
 * @example
 * ```ts
 * createRulesPlan('say hello').steps; // [{ step_id: 's1', skill: 'echo', params: { message: 'hello' }, … }]
 * ```
 */
export function createRulesPlan(goal: string): Plan {
  const parts = splitGoal(goal);
  for (const { rule, keywords, needs } of PLANNING_RULES) {
    if (needs === 'url' && parts.url === undefined) continue;
    if (needs === 'json' && parts.json === undefined) continue;
    const match = new RegExp(`\\b(${keywords.join('|')})\\b`, 'i').exec(parts.words);
    if (match === null) continue;
    const keyword = (match[1] as string).toLowerCase();
    const after = goal.slice(match.index + match[0].length);
    return assemblePlan(goal, { rule, keyword }, stepsFor(rule, goal, parts, after));
  }
  return assemblePlan(goal, { rule: 'fallback_echo', keyword: null }, [
    step(
      's1',
      'echo',
      { message: goal },
      { output_key: 'goal', description: 'Record the goal (no planning rule matched)' },
    ),
  ]);
}

function assemblePlan(
  goal: string,
  metadata: { rule: PlanningRuleName; keyword: string | null },
  steps: PlanStep[],
): Plan {
  return {
    // From the inputs alone: a timestamp or random id would make equal goals hash differently.
    plan_id: `plan_${sha256Hex(JSON.stringify(['rules', RULES_PLANNER_VERSION, goal])).slice(0, 32)}`,
    planner: 'rules',
    planner_version: RULES_PLANNER_VERSION,
    goal,
    steps,
    metadata,
  };
}

function step(
  stepId: string,
  skill: string,
  params: { [key: string]: JsonValue },
  options: Pick<PlanStep, 'output_key' | 'description'> & Partial<Pick<PlanStep, 'depends_on' | 'retry_count'>>,
): PlanStep {
  return {
    step_id: stepId,
    skill,
    params,
    depends_on: options.depends_on ?? [],
    on_error: 'abort',
    // Only http_call and llm_invoke meet transient failures worth another attempt.
    retry_count: options.retry_count ?? 1,
    output_key: options.output_key,
    description: options.description,
  };
}

function stepsFor(
  rule: (typeof PLANNING_RULES)[number]['rule'],
  goal: string,
  parts: GoalParts,
  after: string,
): PlanStep[] {
  const url = parts.url as string;
  const fetchStep = step(
    's1',
    'http_call',
    { method: 'GET', url },
    {
      output_key: 'response',
      description: `GET ${url}`,
      retry_count: 3,
    },
  );
  switch (rule) {
    case 'analyze_url':
      return [
        fetchStep,
        // The whole response goes in, so the model also learns the status, the content type and
        // whether the body was cut at the size cap; only the headers are left out.
        step(
          's2',
          'json_transform',
          {
            payload: '{{s1}}',
            mapping: {
              status: 'status',
              content_type: 'headers.content-type',
              content: 'body',
              truncated: 'truncated',
            },
          },
          {
            depends_on: ['s1'],
            output_key: 'extracted',
            description: 'Extract status, content type and content of the response',
          },
        ),
        step(
          's3',
          'llm_invoke',
          {
            system: 'You carry out the task given by the user using only the fetched content provided with it.',
            prompt: `Task: ${goal}\n\nContent fetched from ${url} (JSON: status, content_type, content, truncated):\n{{s2.result}}`,
          },
          {
            depends_on: ['s2'],
            output_key: 'answer',
            description: 'Carry out the goal on the fetched content with the LLM',
            retry_count: 2,
          },
        ),
      ];
    case 'fetch_url':
      return [fetchStep];
    case 'transform_json':
      return [
        step(
          's1',
          'json_transform',
          { payload: parts.json as JsonValue, mapping: mappingFor(parts.json as JsonValue, parts.words) },
          { output_key: 'result', description: 'Pick values out of the inline JSON' },
        ),
      ];
    case 'llm':
      return [
        step(
          's1',
          'llm_invoke',
          { prompt: goal },
          { output_key: 'answer', description: 'Ask the LLM', retry_count: 2 },
        ),
      ];
    case 'echo':
      return [
        step(
          's1',
          'echo',
          { message: echoText(after) || goal },
          { output_key: 'message', description: 'Echo the message' },
        ),
      ];
  }
}

/**
 * For an object payload: the top-level keys the goal names as words (all of them when it names
 * none), each kept under its own name. Anything else is passed on whole as `value`.
 */
function mappingFor(payload: JsonValue, words: string): { [key: string]: string } {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload) || Object.keys(payload).length === 0) {
    return { value: '$' };
  }
  const keys = Object.keys(payload).slice(0, 200);
  const named = keys.filter((key) => new RegExp(`(?<![\\w-])${escapeRegExp(key)}(?![\\w-])`, 'i').test(words));
  const mapping: { [key: string]: string } = {};
  for (const key of named.length > 0 ? named : keys) {
    // A plain name where the path syntax allows it, a quoted key otherwise.
    const path = /^[A-Za-z_][\w-]*$/.test(key) ? key : `$[${JSON.stringify(key)}]`;
    // defineProperty: a key named "__proto__" stays an ordinary key.
    Object.defineProperty(mapping, key, { value: path, enumerable: true, writable: true, configurable: true });
  }
  return mapping;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The text after an echo keyword, without leading punctuation or one pair of enclosing quotes. */
function echoText(after: string): string {
  const text = after.replace(/^[\s:,;.\-–—]+/, '').trim();
  const quoted = /^(["'“‘])([\s\S]*)(["'”’])$/.exec(text);
  return quoted !== null ? (quoted[2] as string).trim() : text;
}

// http(s) URLs end at whitespace, quotes, angle brackets or braces.
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`{}|\\^]+/gi;

/** Finds the inline JSON and the URL of a goal, and the text left for keyword matching. */
function splitGoal(goal: string): GoalParts {
  const json = findInlineJson(goal);
  const blanked: Region[] = json === undefined ? [] : [json.region];
  let url: string | undefined;
  for (const match of goal.matchAll(URL_PATTERN)) {
    const candidate = trimUrl(match[0]);
    const region = { start: match.index, end: match.index + candidate.length };
    if (blanked.some((other) => region.start < other.end && other.start < region.end)) continue;
    if (!isHttpUrl(candidate)) continue;
    blanked.push(region);
    url ??= candidate;
  }
  let words = goal;
  for (const { start, end } of blanked) words = words.slice(0, start) + ' '.repeat(end - start) + words.slice(end);
  return { words, url, json: json?.value };
}

/** Drops sentence punctuation after a URL, and a closing bracket that the URL did not open. */
function trimUrl(raw: string): string {
  let url = raw;
  for (;;) {
    const last = url.at(-1);
    if (last !== undefined && '.,;:!?'.includes(last)) url = url.slice(0, -1);
    else if (last === ')' && count(url, '(') < count(url, ')')) url = url.slice(0, -1);
    else if (last === ']' && count(url, '[') < count(url, ']')) url = url.slice(0, -1);
    else return url;
  }
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** The first balanced `{…}` or `[…]` of the goal that parses as JSON. */
function findInlineJson(goal: string): { value: JsonValue; region: Region } | undefined {
  for (let start = 0; start < goal.length; start += 1) {
    const open = goal[start];
    if (open !== '{' && open !== '[') continue;
    const end = balancedEnd(goal, start);
    if (end === undefined) continue;
    try {
      const value = JSON.parse(goal.slice(start, end)) as JsonValue;
      return { value, region: { start, end } };
    } catch {
      // Brackets in prose ("[draft]"): keep looking.
    }
  }
  return undefined;
}

/** Index just past the bracket closing the one at `start`, skipping JSON strings. */
function balancedEnd(text: string, start: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth += 1;
    else if (char === '}' || char === ']') {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}
