import { describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { ENV_VARS } from '../../src/config/env-schema.ts'

const ROOT = join(import.meta.dir, '..', '..')
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8')
const VARS = Object.values(ENV_VARS)

describe('.env.example, the README and the docs agree with the configuration schema', () => {
  const example = read('.env.example')
  const readme = read('README.md')
  const configuration = read('docs/configuration.md')

  test('.env.example lists every variable once, in schema order, with its default', () => {
    const names = [...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=(.*)$/gm)].map((m) => m[1])
    expect(names).toEqual(VARS.map((v) => v.name))
    for (const v of VARS) {
      const line = example.match(new RegExp(`^#? ?${v.name}=(.*)$`, 'm'))?.[1] ?? ''
      if (v.required) expect(line).toBe('')
      else if (v.name !== 'WORKERS') expect(line).toBe(v.default ?? '')
      if (v.oldName) expect(example).toContain(v.oldName)
    }
  })

  test('the configuration page has a row for every variable with its default', () => {
    for (const v of VARS) {
      const row = configuration.split('\n').find((line) => line.startsWith(`| \`${v.name}\``))
      expect(row, `docs/configuration.md row for ${v.name}`).toBeDefined()
      if (v.default !== undefined && v.name !== 'WORKERS') expect(row).toContain(`\`${v.default}\``)
      if (v.oldName) expect(row).toContain(v.oldName)
    }
  })

  test('the README opens with the two commands: the demo and the tests', () => {
    const commands = [...readme.matchAll(/^```(?:sh|bash)\n([\s\S]*?)```/gm)].slice(0, 2).map((m) => m[1]?.trim())
    expect(commands).toEqual(['npm install && npm run demo', 'npm test'])
  })

  test('the README stays a short front door that links every reference page', () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(8 * 1024)
    for (const page of readdirSync(join(ROOT, 'docs'))) expect(readme).toContain(`](docs/${page})`)
    for (const [, target] of readme.matchAll(/\]\((docs\/[^)#]+)/g)) expect(existsSync(join(ROOT, target as string)), target).toBe(true)
  })

  test('bun.lock and package-lock.json carry every dependency of package.json', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> }
    const bunLock = read('bun.lock')
    const npmLock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string }> }
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect(bunLock).toContain(`"${name}@${version}"`)
      expect(npmLock.packages[`node_modules/${name}`]?.version).toBe(version)
    }
  })
})

describe('Dockerfile and compose.yaml agree with the configuration', () => {
  const dockerfile = read('Dockerfile')
  const compose = read('compose.yaml')
  const port = ENV_VARS.port.default
  const grace = Number(ENV_VARS.shutdownGraceSeconds.default)

  test('Dockerfile: oven/bun base, non-root, the default port, a bun health check on /health, exec-form CMD', () => {
    expect(dockerfile).toMatch(/^FROM oven\/bun:\$\{BUN_TAG\}/m)
    expect(dockerfile).toMatch(/^ARG BUN_TAG=1\.4$/m)
    expect(dockerfile).toContain('bun install --frozen-lockfile --production')
    expect(dockerfile).toMatch(/^USER bun$/m)
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'))
    expect(dockerfile).toMatch(/^HEALTHCHECK[\s\S]*CMD \["bun", "-e", ".*\/health/m)
    expect(dockerfile).toMatch(/^RUN bun run build$/m)
    expect(dockerfile).toMatch(/^CMD \["bun", "dist\/main\.js"\]$/m)
    expect(dockerfile).not.toMatch(/^CMD .*(npm|sh -c)/m)
  })

  test('compose: .env, the port, init, health check, restart policy, a grace period above the drain deadline', () => {
    expect(compose).toMatch(/path: \.env/)
    expect(compose).toContain(`'\${PORT:-${port}}:${port}'`)
    expect(compose).toMatch(/init: true/)
    expect(compose).toMatch(/restart: unless-stopped/)
    expect(compose).toMatch(/\/health/)
    expect(compose).toMatch(/mem_limit:/)
    expect(compose).toMatch(/read_only: true/)
    const graces = [...compose.matchAll(/stop_grace_period: (\d+)s/g)].map((m) => Number(m[1]))
    expect(graces.length).toBeGreaterThan(0)
    for (const seconds of graces) expect(seconds).toBeGreaterThan(grace)
    expect(compose).toMatch(/profiles:\s*\n\s*- demo/)
    expect(compose).toContain("command: ['bun', 'dist/demo.js']")
  })

  test('the default RESPONSES_DB_PATH directory is the one writable place: a bun-owned volume, mounted by compose', () => {
    const relative = posix.normalize(posix.dirname(ENV_VARS.responsesDbPath.default ?? ''))
    const workdir = [...dockerfile.matchAll(/^WORKDIR (\S+)$/gm)].at(-1)?.[1] ?? ''
    const dataDir = posix.join(workdir, relative)
    expect(dockerfile).toMatch(new RegExp(`^RUN mkdir -p ${relative} && chown bun:bun ${relative}$`, 'm'))
    expect(dockerfile).toContain(`VOLUME ["${dataDir}"]`)
    expect(compose).toContain(`- responses-data:${dataDir}\n`)
    expect(compose).toMatch(/^volumes:\n {2}responses-data:/m)
    // Each read-only gateway service (gateway, gateway-demo, the replicas' anchor) has the directory
    // writable: the volume, or a tmpfs.
    const services = compose.split(/^ {2}(?=\S)/m).filter((service) => service.includes('read_only: true') && service.includes('build:'))
    expect(services.length).toBe(3)
    for (const service of services) expect(service).toContain(dataDir)
  })
})
