import { afterAll, describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ENV_VARS } from '../../src/config/env-schema.ts'
import { freePort, spawnBun, stopAll } from '../support/processes.ts'

const ROOT = join(import.meta.dir, '..', '..')
const K8S = join(ROOT, 'deploy', 'kubernetes')
const VARS = new Map(Object.values(ENV_VARS).map((v) => [v.name, v]))
const PORT = Number(ENV_VARS.port.default)
const GRACE = Number(ENV_VARS.shutdownGraceSeconds.default)

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [field: string]: any }
const manifests = readdirSync(K8S)
  .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
  .map((file) => ({ file, ...(Bun.YAML.parse(readFileSync(join(K8S, file), 'utf8')) as Manifest) }))
const only = (kind: string) => {
  const found = manifests.filter((m) => m.kind === kind)
  expect(found, kind).toHaveLength(1)
  return found[0] as Manifest & { file: string }
}

describe('deploy/kubernetes agrees with the configuration schema', () => {
  const configMap = only('ConfigMap')
  const secret = only('Secret')
  const deployment = only('Deployment')
  const pod = deployment.spec.template.spec
  const container = pod.containers[0]
  const setting = (name: string) => configMap.data[name] ?? VARS.get(name)?.default

  test('kustomization lists every manifest', () => {
    const kustomization = Bun.YAML.parse(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as { resources: string[] }
    expect([...kustomization.resources].sort()).toEqual(manifests.map((m) => m.file).sort())
  })

  test('ConfigMap and Secret hold only variables of the schema; secrets only in the Secret', () => {
    for (const name of Object.keys(configMap.data)) {
      expect(VARS.has(name), `${name} in the ConfigMap`).toBe(true)
      expect(VARS.get(name)?.secret, `${name} is a secret`).toBeFalsy()
    }
    for (const name of Object.keys(secret.stringData)) expect(VARS.get(name)?.secret, `${name} in the Secret`).toBe(true)
    for (const v of VARS.values()) if (v.required) expect(v.name in configMap.data || v.name in secret.stringData, v.name).toBe(true)
    expect(secret.stringData.REDIS_URL).toMatch(/^redis:\/\//)
    const envFrom = container.envFrom.map((source: any) => source.configMapRef?.name ?? source.secretRef?.name)
    expect(envFrom).toEqual([configMap.metadata.name, secret.metadata.name])
    for (const { name } of container.env) expect(VARS.has(name), name).toBe(true)
  })

  test('Deployment: the port, /health probes, a grace period longer than preStop plus the drain, CPU matching WORKERS', () => {
    const ports = Object.fromEntries(container.ports.map((p: any) => [p.name, p.containerPort]))
    expect(ports).toEqual({ http: PORT, metrics: Number(setting('METRICS_PORT')) })
    expect(container.env).toContainEqual({ name: 'PORT', value: String(PORT) })
    for (const probe of [container.readinessProbe, container.livenessProbe]) expect(probe.httpGet).toEqual({ path: '/health', port: 'http' })
    const [command, seconds] = container.lifecycle.preStop.exec.command
    expect(command).toBe('sleep')
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(seconds) + Number(setting('SHUTDOWN_GRACE_SECONDS') ?? GRACE))
    expect(Number(container.resources.requests.cpu)).toBe(Number(setting('WORKERS')))
    expect(container.resources.limits.cpu).toBe(container.resources.requests.cpu)
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true)
    expect(container.volumeMounts.map((m: any) => m.mountPath)).toContain('/tmp')
  })

  test('Service, PodDisruptionBudget and HorizontalPodAutoscaler point at the Deployment and its ports', () => {
    const labels = deployment.spec.template.metadata.labels
    expect(deployment.spec.selector.matchLabels).toEqual(labels)
    const service = only('Service')
    expect(service.spec.selector).toEqual(labels)
    const portNames = new Set(container.ports.map((p: any) => p.name))
    for (const port of service.spec.ports) expect(portNames.has(port.targetPort), port.targetPort).toBe(true)
    expect(only('PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels)
    const hpa = only('HorizontalPodAutoscaler').spec
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name })
    expect(hpa.minReplicas).toBeGreaterThanOrEqual(2)
  })
})

describe('compose.yaml: the replicas profile', () => {
  const services = (Bun.YAML.parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8')) as { services: Record<string, any> }).services
  const inProfile = Object.entries(services).filter(([, service]) => service.profiles?.includes('replicas'))
  const replicas = inProfile.filter(([, service]) => service.build)

  test('Redis and two gateway replicas that use it, behind one published port', () => {
    expect(inProfile.map(([name]) => name).sort()).toEqual(['balancer', 'gateway-replica-1', 'gateway-replica-2', 'redis'])
    expect(replicas).toHaveLength(2)
    for (const [, replica] of replicas) {
      expect(replica.environment).toMatchObject({ PORT: String(PORT), REDIS_URL: 'redis://redis:6379' })
      for (const name of Object.keys(replica.environment)) expect(VARS.has(name), name).toBe(true)
      expect(replica.depends_on.redis.condition).toBe('service_healthy')
      expect(replica.healthcheck.test.join(' ')).toContain(`127.0.0.1:${PORT}/health`)
      expect(Number(/^(\d+)s$/.exec(replica.stop_grace_period)?.[1])).toBeGreaterThan(GRACE)
      expect(replica.ports).toBeUndefined()
    }
    const balancer = services.balancer
    expect(balancer.environment.TARGETS.split(',')).toEqual(replicas.map(([name]) => `${name}:${PORT}`))
    expect(balancer.ports).toHaveLength(1)
    expect(balancer.ports[0]).toEndWith(`:${balancer.environment.PORT}`)
    expect(balancer.volumes[0]).toStartWith('./deploy/compose/round-robin-proxy.ts:')
  })
})

describe('the round-robin proxy of the replicas profile', () => {
  afterAll(stopAll)

  test('sends requests to the targets in turn, streams bodies both ways, and answers 502 for a target that is down', async () => {
    const backends = ['one', 'two'].map((name) =>
      Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: async (request) => new Response(`${name}:${new URL(request.url).pathname}:${await request.text()}`) }),
    )
    const down = await freePort()
    const port = await freePort()
    const proxy = spawnBun('deploy/compose/round-robin-proxy.ts', {
      HOST: '127.0.0.1',
      PORT: String(port),
      TARGETS: [...backends.map((b) => `127.0.0.1:${b.port}`), `127.0.0.1:${down}`].join(','),
    })
    try {
      await proxy.waitFor(/round-robin proxy on/)
      const answers = []
      for (let i = 0; i < 6; i++) {
        const answer = await fetch(`http://127.0.0.1:${port}/v1/x?q=${i}`, { method: 'POST', body: `b${i}` })
        answers.push(`${answer.status} ${await answer.text()}`)
      }
      expect(answers.map((a) => a.slice(0, 14))).toEqual([
        '200 one:/v1/x:',
        '200 two:/v1/x:',
        '502 {"error":{',
        '200 one:/v1/x:',
        '200 two:/v1/x:',
        '502 {"error":{',
      ])
      expect(answers[0]).toBe('200 one:/v1/x:b0')
    } finally {
      for (const backend of backends) backend.stop(true)
    }
  })
})
