// The real @a2a-js/sdk client against a rivetd A2A listener, for tests/integration/a2a_serve_test.cpp.
// Usage: node client-run.cjs <agent base URL> <scenario> [text]
// Environment: A2A_CA (the CA to trust), A2A_CERT and A2A_KEY (a client certificate), A2A_TOKEN
// (a bearer token). Prints one line per observation, "<TAG> <JSON>", in the SDK's wire form, and
// "ERROR <JSON>" with the SDK's error (its class, JSON-RPC code and message) when a call fails.
'use strict';
const fs = require('fs');
const { Agent, fetch: undiciFetch } = require('undici');
const { Task, StreamResponse } = require('@a2a-js/sdk');
const {
  ClientFactory, ClientFactoryOptions, DefaultAgentCardResolver, JsonRpcTransportFactory,
} = require('@a2a-js/sdk/client');

const [base, scenario, text = 'hello'] = process.argv.slice(2);
const env = process.env;
const dispatcher = new Agent({
  connect: {
    ca: env.A2A_CA ? fs.readFileSync(env.A2A_CA) : undefined,
    cert: env.A2A_CERT ? fs.readFileSync(env.A2A_CERT) : undefined,
    key: env.A2A_KEY ? fs.readFileSync(env.A2A_KEY) : undefined,
  },
});
const fetchImpl = (url, init = {}) => {
  const headers = new Headers(init.headers || {});
  if (env.A2A_TOKEN) headers.set('Authorization', `Bearer ${env.A2A_TOKEN}`);
  return undiciFetch(url, { ...init, headers, dispatcher });
};

const print = (tag, value) => console.log(`${tag} ${JSON.stringify(value)}`);
const message = (t, extra = {}) => ({
  message: {
    messageId: `m-${process.pid}-${Date.now()}-${Math.random()}`,
    role: 1, // ROLE_USER
    parts: [{ content: { $case: 'text', value: t } }],
    ...extra,
  },
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const taskOf = (r) => (r && r.id ? r : r && r.task ? r.task : r);

async function main() {
  const resolver = new DefaultAgentCardResolver({ fetchImpl });
  if (scenario === 'card') {
    const card = await resolver.resolve(base);
    print('CARD', card);
    return;
  }
  const factory = new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
    transports: [new JsonRpcTransportFactory({ fetchImpl })],
    cardResolver: resolver,
  }));
  const client = await factory.createFromUrl(base);
  switch (scenario) {
    case 'send': {
      print('TASK', Task.toJSON(taskOf(await client.sendMessage(message(text)))));
      break;
    }
    case 'send-twice': { // the same messageId twice: one task
      const m = message(text);
      print('TASK', Task.toJSON(taskOf(await client.sendMessage(m))));
      print('TASK', Task.toJSON(taskOf(await client.sendMessage(m))));
      break;
    }
    case 'stream': {
      for await (const e of client.sendMessageStream(message(text))) print('EVENT', StreamResponse.toJSON({ payload: e.payload ?? { $case: e.kind, value: e } }));
      break;
    }
    case 'cancel': {
      const t = taskOf(await client.sendMessage({ ...message(text), configuration: { returnImmediately: true } }));
      print('SUBMITTED', Task.toJSON(t));
      await sleep(500);
      print('CANCELED', Task.toJSON(await client.cancelTask({ id: t.id })));
      print('GOT', Task.toJSON(await client.getTask({ id: t.id })));
      try {
        await client.cancelTask({ id: t.id });
      } catch (e) {
        print('ERROR', { name: e.constructor.name, code: e.envelopeCode ?? e.code, message: e.message });
      }
      break;
    }
    case 'resubscribe': {
      const t = taskOf(await client.sendMessage({ ...message(text), configuration: { returnImmediately: true } }));
      print('SUBMITTED', Task.toJSON(t));
      await sleep(300);
      for await (const e of client.resubscribeTask({ id: t.id })) print('EVENT', StreamResponse.toJSON({ payload: e.payload ?? { $case: e.kind, value: e } }));
      print('GOT', Task.toJSON(await client.getTask({ id: t.id })));
      break;
    }
    case 'get': {
      print('GOT', Task.toJSON(await client.getTask({ id: text })));
      break;
    }
    case 'list': {
      const r = await client.listTasks({});
      print('LIST', { tasks: r.tasks.map((t) => Task.toJSON(t)), totalSize: r.totalSize });
      break;
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

main().catch((e) => {
  print('ERROR', { name: e.constructor.name, code: e.envelopeCode ?? e.code ?? null, message: String(e.message) });
  process.exit(3);
}).finally(() => dispatcher.close());
