// Starts the targets of a run and keeps those that answer as they should before any load.

import { redisKeyCount } from './redis-server.ts'
import { checkAnswer, requestSpec } from './requests.ts'
import { type StartContext, startTarget, type TargetPlan } from './target-plans.ts'
import { type Service, stop } from './targets.ts'

export interface Running {
  plan: TargetPlan
  service: Service
}

/** Why a started target cannot be measured, or undefined when it answers as it should. */
async function unready(plan: TargetPlan, service: Service, redis: StartContext['redis']): Promise<string | undefined> {
  let wrong: string | undefined
  for (const mode of plan.modes) wrong ??= await checkAnswer(plan.kind, mode, requestSpec(plan.kind, service, mode))
  if (wrong || plan.counters !== 'redis' || typeof redis !== 'object') return wrong
  return (await redisKeyCount(redis)) > 0 ? undefined : 'the gateway started with REDIS_URL keeps no counters in Redis'
}

/**
 * Starts every target and keeps those that answer correctly. A core target that does not start
 * ends the run; a scenario's target is recorded as not measured, with what it needs.
 */
export async function startTargets(plans: TargetPlan[], context: StartContext, skipped: Record<string, string>): Promise<Running[]> {
  const running: Running[] = []
  for (const plan of plans) {
    const needs = plan.needs ? ` (needs ${plan.needs})` : ''
    if (plan.counters === 'redis' && typeof context.redis === 'string') {
      skipped[plan.name] = context.redis
      continue
    }
    let service: Service
    try {
      service = await startTarget(plan, context)
    } catch (e) {
      if (!plan.needs) throw e
      skipped[plan.name] = `${(e as Error).message}${needs}`
      continue
    }
    const wrong = await unready(plan, service, context.redis)
    if (wrong) {
      skipped[plan.name] = plan.needs ? `${wrong}${needs}` : `wrong answer before load: ${wrong}`
      await stop(service)
    } else running.push({ plan, service })
  }
  return running
}
