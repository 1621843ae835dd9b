// docker-compose.yml cannot run here (no Docker engine): these checks keep it consistent with the app by reading it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config.js';
import { schemaEntries } from '../src/config-schema.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

type Yaml = Record<string, any>;

/** KEY=VALUE lines of a .env file (comments and blank lines skipped, one level of quotes removed). */
function parseDotEnv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
    if (match === null) continue;
    vars[match[1]!] = match[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return vars;
}

const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Compose's interpolation: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}.
 * Lenient mode turns a missing required variable into '' so one dedicated test reports it by name.
 */
function interpolate(text: string, vars: Record<string, string>, lenient = false): string {
  return text.replace(VARIABLE, (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare)!;
    const value = vars[name];
    const missing = op?.startsWith(':') ? value === undefined || value === '' : value === undefined;
    if (op?.endsWith('-') && missing) return arg!;
    if (op?.endsWith('?') && missing && !lenient) throw new Error(`${name} is required: ${arg}`);
    return value ?? '';
  });
}

/** Names of the variables a text refers to (compose escapes a literal $ as $$). */
function variablesIn(text: string): string[] {
  return [...text.matchAll(VARIABLE)].filter((m) => m[0] !== '$$').map((m) => (m[1] ?? m[4])!);
}

function interpolateTree(node: unknown, vars: Record<string, string>, lenient = false): unknown {
  if (typeof node === 'string') return interpolate(node, vars, lenient);
  if (Array.isArray(node)) return node.map((n) => interpolateTree(n, vars, lenient));
  if (typeof node === 'object' && node !== null) {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, vars, lenient)]));
  }
  return node;
}

/** A service's environment entries as written, from either the map or the list form. */
function rawEnvironmentOf(service: Yaml): Array<[string, unknown]> {
  const env = service.environment ?? {};
  return Array.isArray(env)
    ? env.map((line: string) => [line.split('=')[0]!, line.includes('=') ? line.slice(line.indexOf('=') + 1) : null])
    : Object.entries(env);
}

/** A service's environment as the container sees it: strings. */
function environmentOf(service: Yaml): Record<string, string> {
  return Object.fromEntries(rawEnvironmentOf(service).map(([k, v]) => [k, String(v)]));
}

/** The container port of a ports entry ("127.0.0.1:8080:8080", "8080:8080", or the long form). */
function containerPort(entry: string | number | Yaml): number {
  if (typeof entry === 'object') return Number(entry.target);
  return Number(String(entry).split('/')[0]!.split(':').at(-1));
}

const rawCompose = read('docker-compose.yml');
const example = parseDotEnv(read('.env.example'));
const compose = interpolateTree(parse(rawCompose), example, true) as Yaml;
const services = compose.services as Record<string, Yaml>;
const appEnv = environmentOf(services.app!);

describe('docker-compose.yml', () => {
  it('defines kafka, postgres, grafana and app', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['kafka', 'postgres', 'grafana', 'app']));
    expect(services.kafka!.image).toMatch(/^apache\/kafka:4\.\d+\.\d+$/);
    expect(services.postgres!.image).toBe('postgres:17');
  });

  it('writes every environment value as a string or a number', () => {
    // Compose refuses a boolean (write "false") and passes null through from the host's environment.
    const bad = Object.entries(services).flatMap(([name, service]) => rawEnvironmentOf(service)
      .filter(([, value]) => typeof value !== 'string' && typeof value !== 'number')
      .map(([key, value]) => `${name}.${key} = ${JSON.stringify(value)}`));
    expect(bad).toEqual([]);
  });

  it('gives app only environment variables the config schema knows', () => {
    const known = new Set(schemaEntries().map(([, entry]) => entry.env));
    const unknown = Object.keys(appEnv).filter((name) => !known.has(name));
    expect(unknown, 'env vars of app that no config key reads (typo?)').toEqual([]);
  });

  it("gives app an environment that passes the app's own config validation", () => {
    const config = loadConfig({ env: appEnv, configDir: path.join(ROOT, 'config') });
    expect(config.kafka.brokers).toEqual(['kafka:9092']);
    expect(config.kafka.local.autoStart).toBe(false);
    expect(config.database.embedded.fallback).toBe(false);
    expect(config.dashboard.host).toBe('0.0.0.0');
    expect(config.log.pretty).toBe('never');
  });

  it("publishes app's DASHBOARD_PORT", () => {
    const ports = (services.app!.ports as unknown[]).map((p) => containerPort(p as string));
    expect(ports).toContain(Number(appEnv.DASHBOARD_PORT));
  });

  it("advertises to in-compose clients exactly the brokers app connects to", () => {
    const kafkaEnv = environmentOf(services.kafka!);
    const advertised = kafkaEnv.KAFKA_ADVERTISED_LISTENERS!.split(',').map((l) => {
      const [, name, host, port] = /^([A-Z_]+):\/\/([^:]*):(\d+)$/.exec(l.trim())!;
      return { name: name!, address: `${host}:${port}` };
    });
    const inCompose = advertised.filter((l) => l.address.startsWith('kafka:'));
    expect(inCompose.map((l) => l.address)).toEqual(appEnv.KAFKA_BROKERS!.split(','));
    // The broker must also listen on that listener's port, or the advertised address is a dead end.
    const port = inCompose[0]!.address.split(':')[1];
    expect(kafkaEnv.KAFKA_LISTENERS).toContain(`${inCompose[0]!.name}://:${port}`);
  });

  it("matches app's DATABASE_URL with the postgres service, its port, database and password", () => {
    const url = new URL(appEnv.DATABASE_URL!);
    const pgEnv = environmentOf(services.postgres!);
    expect(services[url.hostname], `no service named ${url.hostname}`).toBeDefined();
    expect(url.hostname).toBe('postgres');
    expect(url.port).toBe(pgEnv.PGPORT ?? '5432');
    expect(url.pathname).toBe(`/${pgEnv.POSTGRES_DB}`);
    expect(decodeURIComponent(url.username)).toBe(pgEnv.POSTGRES_USER ?? 'postgres');
    expect(decodeURIComponent(url.password)).toBe(pgEnv.POSTGRES_PASSWORD);
    // The password is pasted into the URL unescaped, so the example must show a URL-safe one.
    expect(encodeURIComponent(example.POSTGRES_PASSWORD!)).toBe(example.POSTGRES_PASSWORD);
  });

  it('starts app only once kafka and postgres report healthy', () => {
    for (const dependency of ['kafka', 'postgres']) {
      expect(services.app!.depends_on[dependency]).toEqual({ condition: 'service_healthy' });
      expect(services[dependency]!.healthcheck?.test, `${dependency} needs a healthcheck`).toBeDefined();
    }
  });

  it('uses only variables that .env.example lists, and .env.example lists no unused one', () => {
    const used = new Set(variablesIn(rawCompose));
    // Secrets of the `environment` kind name a variable without ${}.
    for (const secret of Object.values(compose.secrets ?? {}) as Yaml[]) if (secret.environment) used.add(secret.environment);
    expect([...used].filter((name) => !(name in example)), 'variables missing from .env.example').toEqual([]);
    expect(Object.keys(example).filter((name) => !used.has(name)), '.env.example variables docker-compose.yml ignores').toEqual([]);
  });

  it('fails fast when a required secret is missing from .env', () => {
    const { POSTGRES_PASSWORD: _omitted, ...withoutPassword } = example;
    expect(() => interpolateTree(parse(rawCompose), withoutPassword)).toThrow(/POSTGRES_PASSWORD is required/);
  });
});

describe('ops files', () => {
  const pgEnv = environmentOf(services.postgres!);
  const grafana = services.grafana!;
  const mountOf = (service: Yaml, source: string) =>
    (service.volumes as string[]).map((v) => v.split(':')).find(([from]) => from === source)?.[1];

  it('points the Grafana datasource at the postgres service and the heartbeat database', () => {
    const file = parse(read('ops/grafana/provisioning/datasources/postgres.yml')) as Yaml;
    const ds = (file.datasources as Yaml[]).find((d) => d.type === 'grafana-postgresql-datasource' || d.type === 'postgres')!;
    expect(ds, 'no PostgreSQL datasource').toBeDefined();
    expect(ds.url).toBe(`postgres:${pgEnv.PGPORT ?? '5432'}`);
    expect(services.postgres).toBeDefined();
    expect(ds.jsonData.database).toBe(pgEnv.POSTGRES_DB);
    expect(pgEnv.POSTGRES_DB).toBe(new URL(appEnv.DATABASE_URL!).pathname.slice(1));
    // Its user is the read-only role the postgres init script creates, with the password Grafana gets.
    expect(read('ops/postgres/initdb/10-grafana-reader.sh')).toContain(`CREATE ROLE ${ds.user} LOGIN`);
    const passwordVariable = variablesIn(ds.secureJsonData.password)[0]!;
    expect(environmentOf(grafana)[passwordVariable]).toBe(pgEnv[passwordVariable]);
    expect(mountOf(services.postgres!, './ops/postgres/initdb')).toBe('/docker-entrypoint-initdb.d');
  });

  it('mounts the provisioning and the dashboards where the Grafana provider looks', () => {
    expect(mountOf(grafana, './ops/grafana/provisioning')).toBe('/etc/grafana/provisioning');
    const provider = parse(read('ops/grafana/provisioning/dashboards/heartbeat.yml')) as Yaml;
    expect(mountOf(grafana, './ops/grafana/dashboards')).toBe(provider.providers[0].options.path);
  });

  it('has a dashboard whose panels all query the provisioned datasource', () => {
    const datasources = parse(read('ops/grafana/provisioning/datasources/postgres.yml')) as Yaml;
    const uids = new Set((datasources.datasources as Yaml[]).map((d) => d.uid));
    const dashboard = JSON.parse(read('ops/grafana/dashboards/heartbeat-overview.json')) as Yaml;
    const titles = (dashboard.panels as Yaml[]).map((p) => p.title);
    expect(titles).toEqual(expect.arrayContaining(['Readings per minute', 'Share per level', 'Latest anomalies', 'Rejects by reason']));
    for (const panel of dashboard.panels as Yaml[]) {
      for (const target of panel.targets as Yaml[]) {
        expect(uids.has(target.datasource.uid), `panel "${panel.title}" queries an unknown datasource`).toBe(true);
        // SQL panels read the app's tables, views or rollup; Prometheus panels are checked in test/ops-observability.test.ts.
        if (target.datasource.uid === 'heartbeat-postgres') {
          expect(target.rawSql).toMatch(/\bFROM (heartbeats|heartbeat_minutes|anomalies|rejected_readings|recent_heartbeats|critical_anomalies)\b/);
        }
      }
    }
  });

  it("scrapes app's /metrics on its dashboard port with the token secret", () => {
    const prometheus = parse(read('ops/prometheus/prometheus.yml')) as Yaml;
    const job = (prometheus.scrape_configs as Yaml[]).find((j) => j.job_name === 'heartbeat')!;
    expect(job.static_configs[0].targets).toEqual([`app:${appEnv.DASHBOARD_PORT}`]);
    expect(job.metrics_path).toBe('/metrics');
    const secret = job.authorization.credentials_file.replace('/run/secrets/', '');
    expect(services.prometheus!.secrets).toContain(secret);
    expect(compose.secrets[secret].environment).toBe('DASHBOARD_TOKEN');
  });
});
