// An A2A agent hosted by the real @a2a-js/sdk server (express and its JSON-RPC handler), for the
// a2a agent plugin's integration test. HTTPS with --cert/--key, plain HTTP without them.
//   NODE_PATH=<build>/a2a-test/node_modules node agent-server.mjs [--cert F --key F
//     [--client-ca F]] [--record FILE] [--no-streaming] [--token T]
// --client-ca: every request must present a client certificate that chains to F (mTLS).
// --token: JSON-RPC requests must carry "Authorization: Bearer T" (the card stays public).
// The packages are loaded with require(), which honours NODE_PATH (import does not).
// Prints "listening <port>" once it serves (port chosen by the system, 127.0.0.1 only).
// What it does with a task's text:
//   contains "slow": working, a progress status every 100 ms, until CancelTask (or 60 s);
//   contains "fail": fails with a status message;
//   otherwise: working ("reading: <text>"), an artifact in two chunks (the second appended),
//   completed. Its answer is "remote answer: <text>".
// --record appends one JSON line per SendMessage/SendStreamingMessage ("execute", with the
// message's text and metadata) and per CancelTask ("cancel", the task id) it served.
import { appendFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const express = require('express');
const { Role, TaskState } = require('@a2a-js/sdk');
const { AgentEvent, DefaultRequestHandler, InMemoryTaskStore } = require('@a2a-js/sdk/server');
const { UserBuilder, agentCardHandler, jsonRpcHandler } = require('@a2a-js/sdk/server/express');

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const certFile = option('--cert');
const keyFile = option('--key');
const clientCa = option('--client-ca');
const recordFile = option('--record');
const token = option('--token');
const streaming = !args.includes('--no-streaming');

const record = (entry) => {
  if (recordFile) appendFileSync(recordFile, JSON.stringify(entry) + '\n');
};
const textOf = (message) =>
  (message?.parts ?? []).map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
const agentMessage = (text) => ({
  messageId: `m-${Date.now()}-${Math.random().toString(16).slice(2)}`,
  role: Role.ROLE_AGENT,
  parts: [{ content: { $case: 'text', value: text } }],
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let baseUrl = '';
const card = () => ({
  name: 'Test Researcher',
  description: 'Looks things up for the rivet-mesh tests',
  version: '1.0.0',
  supportedInterfaces: [{ url: `${baseUrl}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
  capabilities: { streaming, pushNotifications: false },
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [{ id: 'lookup', name: 'lookup', description: 'answers a question', tags: ['test'] }],
});

const cancelled = new Set();
const contexts = new Map(); // task id -> context id
const executor = {
  async execute(ctx, bus) {
    const text = textOf(ctx.userMessage);
    record({ event: 'execute', taskId: ctx.taskId, text, metadata: ctx.userMessage.metadata ?? null });
    const ids = { taskId: ctx.taskId, contextId: ctx.contextId };
    contexts.set(ctx.taskId, ctx.contextId);
    const status = (state, message) =>
      bus.publish(AgentEvent.statusUpdate({ ...ids, status: { state, message: message && agentMessage(message) } }));
    bus.publish(AgentEvent.task({ id: ctx.taskId, contextId: ctx.contextId,
      status: { state: TaskState.TASK_STATE_SUBMITTED }, history: [ctx.userMessage], artifacts: [] }));
    if (text.includes('slow')) {
      status(TaskState.TASK_STATE_WORKING, `started: ${text}`);
      for (let tick = 1; tick <= 600 && !cancelled.has(ctx.taskId); ++tick) {
        await sleep(100);
        if (!cancelled.has(ctx.taskId)) status(TaskState.TASK_STATE_WORKING, `tick ${tick}`);
      }
      if (!cancelled.has(ctx.taskId)) status(TaskState.TASK_STATE_FAILED, 'gave up after 60 s');
    } else if (text.includes('fail')) {
      status(TaskState.TASK_STATE_FAILED, `remote failure for: ${text}`);
    } else {
      status(TaskState.TASK_STATE_WORKING, `reading: ${text}`);
      const artifact = (value, append, lastChunk) =>
        bus.publish(AgentEvent.artifactUpdate({ ...ids, append, lastChunk,
          artifact: { artifactId: 'answer', name: 'answer', parts: [{ content: { $case: 'text', value } }] } }));
      artifact('remote answer: ', false, false);
      await sleep(20);
      artifact(text, true, true);
      status(TaskState.TASK_STATE_COMPLETED);
    }
    bus.finished();
  },
  async cancelTask(taskId, bus) {
    record({ event: 'cancel', taskId });
    cancelled.add(taskId);
    bus.publish(AgentEvent.statusUpdate({ taskId, contextId: contexts.get(taskId) ?? '', status: { state: TaskState.TASK_STATE_CANCELED,
      message: agentMessage('cancelled on request') } }));
    bus.finished();
  },
};

const handler = new DefaultRequestHandler(card(), new InMemoryTaskStore(), executor);
const app = express();
app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: async () => card() }));
app.use('/a2a/jsonrpc', (req, res, next) => {
  if (token && req.header('Authorization') !== `Bearer ${token}`) {
    res.status(401).json({ error: 'a bearer token is required' });
    return;
  }
  next();
});
app.use('/a2a/jsonrpc', express.json(), jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));

const server = certFile
  ? https.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile),
      ...(clientCa ? { ca: readFileSync(clientCa), requestCert: true, rejectUnauthorized: true } : {}) }, app)
  : http.createServer(app);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  baseUrl = `${certFile ? 'https' : 'http'}://127.0.0.1:${port}`;
  console.log(`listening ${port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
