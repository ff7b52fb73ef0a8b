// A typed tour of the Node SDK: every group of the API, once.
//
// From the repository root, with the package installed (`npm install ./bindings/node`)
// and a sandbox running (`cargo run -p flowengine-sandbox -- --memory`):
//
//   FLOWENGINE_BASE_URL=http://127.0.0.1:8787 FLOWENGINE_API_KEY=fe_... \
//     node --experimental-strip-types examples/node/tour.ts     (Node >= 22.6)
//
// bindings/node/test.sh type-checks it (`tsc --strict --noEmit -p examples/node`)
// and runs it against a sandbox (test/tour.test.js); the `@ts-expect-error`
// lines show what the types refuse.
import {
  FlowEngine,
  FlowEngineError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  type ChatChunk,
  type ChatSummary,
  type DeployProgress,
  type FunctionRecord,
  type Runtime,
} from 'flowengine';
import * as path from 'node:path';

async function main(): Promise<void> {
  const fe = new FlowEngine({ timeout: 30_000, maxRetries: 2 });
  const folder = path.resolve(process.env.TOUR_FOLDER ?? 'examples/hello');

  // account
  const user = await fe.account.user();
  const credits = await fe.account.credits();
  console.log(`tier ${user.tier}, ${credits.credits_remaining} credits`);

  // functions (+ source, logs, secrets, domain, billing)
  const runtime: Runtime = 'nodejs22';
  const fn: FunctionRecord = await fe.functions.create({ name: `tour-${Date.now().toString(36)}`, runtime, memory: '1Gi', maxInstances: 10 });
  const { functions } = await fe.functions.list();
  console.log(`${functions.length} functions; ${fn.name} is ${fn.status}`);
  await fe.functions.update(fn.id, { timeoutSeconds: 120, cpuThrottling: false });

  const plan = await fe.functions.packFolder(folder, { dryRun: true });
  console.log(`${plan.fileCount} files, ${plan.totalBytes} bytes to deploy`);
  const outcome = await fe.functions.deployFolder(fn.id, folder, {
    wait: true,
    onProgress: (p: DeployProgress) => {
      if (p.phase === 'uploading') console.log(`  uploaded ${p.sent}/${p.total} bytes`);
      else console.log(`  ${p.phase}`);
    },
  });
  console.log(`deployed: ${outcome.status} at ${outcome.url ?? '(no url)'}`);

  const upload = await fe.functions.requestUpload(fn.id);
  if ('uploadUrl' in upload) console.log(`a signed URL valid ${upload.expiresIn} s`);

  const source = await fe.functions.source.get(fn.id);
  await fe.functions.source.update(fn.id, { files: { ...source.files, 'README.md': '# tour\n' } });

  const { logs } = await fe.functions.logs.list(fn.id);
  console.log(`${logs.length} log lines, last: ${logs.at(-1)?.message}`);
  const tail = fe.functions.logs.tail(fn.id, { signal: AbortSignal.timeout(3_000) });
  try {
    for await (const line of tail) {
      console.log(`  log: ${line}`);
      break; // closes the connection
    }
  } catch (e) {
    if (!(e instanceof Error && e.name === 'TimeoutError')) throw e;
  }

  await fe.functions.secrets.set(fn.id, { name: 'OPENAI_API_KEY', value: 'sk-tour' });
  const { secrets } = await fe.functions.secrets.list(fn.id);
  await fe.functions.secrets.delete(fn.id, { name: 'OPENAI_API_KEY' });
  console.log(`${secrets.length} secrets bound`);

  const mapping = await fe.functions.domain.add(fn.id, { domain: 'api.example.com' });
  console.log(`domain ${mapping.domain}: ${mapping.status}`);
  await fe.functions.domain.get(fn.id);
  await fe.functions.domain.remove(fn.id);

  const billing = await fe.functions.billing.get();
  await fe.functions.billing.update({ overageAction: billing.overage_action === 'stop' ? 'stop' : 'auto_upgrade' });
  try {
    await fe.functions.billing.verifyCard();
  } catch (e) {
    if (!(e instanceof FlowEngineError)) throw e;
  }

  const usage = await fe.functions.usage({ from: '2026-01-01' });
  const limits = await fe.functions.limits();
  console.log(`usage: ${usage.total.requests} requests; tier ${limits.functions_tier}`);

  const uploaded = await fe.functions.uploadFolder(folder, { name: `tour-up-${Date.now().toString(36)}`, runtime: 'nodejs22' });
  const gh = await fe.functions.deployGithub({ repo: 'octocat/hello-world', runtime: 'nodejs20' });
  const forked = await fe.functions.forkTemplate('openai-chat', { name: `tour-tpl-${Date.now().toString(36)}` });
  for (const id of [uploaded.function_id, gh.function_id, forked.function_id]) await fe.functions.delete(id);
  await fe.functions.deploy(fn.id).catch(() => undefined); // step 1 only, as requestUpload
  await fe.functions.get(fn.id);

  // chat and chats
  const stream = fe.chat.stream({ message: 'Create a calculator workflow', model: 'regular' });
  for await (const chunk of stream) {
    const c: ChatChunk = chunk;
    process.stdout.write(c.content);
  }
  console.log(`\n(finish: ${stream.finishReason}, conversation ${stream.conversationId})`);
  const reply = await fe.chat.send({ message: 'and now with memory', model: 'regular', conversationId: stream.conversationId ?? undefined });
  console.log(`reply of ${reply.content.length} characters`);

  const chat = await fe.chats.create({ title: 'tour' });
  const firstPage = await fe.chats.list({ limit: 10 });
  console.log(`${firstPage.total} conversations`);
  for await (const c of fe.chats.list({ limit: 2 })) {
    const summary: ChatSummary = c;
    console.log(`  ${summary.id}: ${summary.title ?? '(untitled)'}`);
  }
  await fe.chats.get(chat.chat.id);
  await fe.chats.delete(chat.chat.id);

  // n8n, hosting instances, provisioning
  const n8n = await fe.n8n.instances.create({ instanceName: 'tour', storageGb: 10, billingCycle: 'monthly' });
  await fe.n8n.instances.list();
  await fe.n8n.instances.get(n8n.instance.id);
  await fe.n8n.instances.manage(n8n.instance.id, { action: 'restart' });
  await fe.n8n.instances.logs(n8n.instance.id, { lines: 50 });
  await fe.n8n.instances.delete(n8n.instance.id);

  const { instances } = await fe.instances.list();
  const slot = instances.find((i) => i.service_type === 'empty');
  if (slot) {
    await fe.provision.website({ instanceId: slot.id, dockerImage: 'nginx:latest', port: 80 });
    await fe.instances.status(slot.id);
    await fe.instances.updateConfig(slot.id, { envVars: { NODE_ENV: 'production' } });
    await fe.instances.manage(slot.id, { action: 'redeploy' });
    await fe.instances.logs(slot.id, { lines: 100 });
    await fe.instances.deployments(slot.id);
    await fe.instances.updateDomain(slot.id, { domain: 'app.example.com' });
    await fe.instances.backups.create(slot.id);
    await fe.instances.backups.list(slot.id);
  }
  const other = instances.filter((i) => i.service_type === 'empty');
  if (other.length > 2) {
    await fe.provision.n8n({ instanceId: other[1].id }).catch((e: unknown) => console.log(`n8n: ${(e as Error).message}`));
    await fe.provision.openclaw({ instanceId: other[2].id }).catch((e: unknown) => console.log(`openclaw: ${(e as Error).message}`));
  }

  // whatsapp and email
  const wa = await fe.whatsapp.sessions.create({ displayName: 'Tour shop', billingCycle: 'monthly' });
  await fe.whatsapp.sessions.setWebhook(wa.instance_name, { webhookUrl: 'https://example.com/hook' });
  await fe.whatsapp.sessions.list();
  await fe.whatsapp.sessions.get(wa.instance_name);
  await fe.whatsapp.sessions.delete(wa.instance_name);

  const { senders } = await fe.email.senders();
  const sent = await fe.email.send({ to: 'lead@example.com', subject: 'Hello', text: 'Hi', fromEmail: senders[0]?.email });
  console.log(`email ${sent.message_id} from ${sent.sent_from}`);

  // errors are classes
  try {
    await fe.functions.get('no-such-function');
  } catch (e) {
    if (e instanceof NotFoundError) console.log(`not found (${e.status}): ${e.message}`);
    else if (e instanceof PermissionDeniedError) console.log(`upgrade at ${e.upgradeUrl}`);
    else if (e instanceof RateLimitError) console.log(`retry after ${e.retryAfter} ms`);
    else throw e;
  }

  await fe.functions.delete(fn.id);
  console.log('tour complete');
}

// What the types refuse (each line must be a type error):
function refused(fe: FlowEngine): void {
  // @ts-expect-error `turbo` is not a ChatModel
  fe.chat.stream({ message: 'hi', model: 'turbo' });
  // @ts-expect-error options are camelCase (maxInstances)
  void fe.functions.create({ name: 'x', runtime: 'nodejs22', max_instances: 3 });
  // @ts-expect-error `runtime` is required
  void fe.functions.create({ name: 'x' });
  // @ts-expect-error the path parameter is positional
  void fe.functions.secrets.set({ id: 'x', name: 'A', value: 'b' });
  // @ts-expect-error durations are numbers (ms)
  new FlowEngine({ timeout: '2s' });
  // @ts-expect-error pack options are camelCase (dryRun)
  void fe.functions.packFolder('.', { dry_run: true });
}
void refused;

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
