/**
 * Access to the realtime model simulator: bearer checks, the evaluation
 * endpoint through `openai`'s chat.completions, fault injection on the
 * upgrade, and trust through NODE_EXTRA_CA_CERTS alone.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import OpenAI from 'openai';

import type { RealtimeSimulator } from '../../simulators/realtime/index.js';
import {
  RealtimeTestClient,
  TEST_API_KEY,
  fetchTrusting,
  loadCertificate,
  startTestSimulator,
} from './realtime-test-client.js';

describe('realtime model simulator access and faults', () => {
  let simulator: RealtimeSimulator;

  before(async () => {
    simulator = await startTestSimulator();
  });

  after(async () => {
    await simulator.close();
  });

  it('refuses a bad bearer key with 401 on the upgrade and on HTTP', async () => {
    const attempts = simulator.connectionAttempts;
    const client = await RealtimeTestClient.open(simulator, { apiKey: 'sk-wrong' });
    const error = await new Promise<Error>((resolve) => client.socket.on('error', resolve));
    assert.match(error.message, /401/);
    assert.equal(simulator.connectionAttempts, attempts + 1);
    assert.equal(simulator.sessions.length, 0);

    const { cert } = await loadCertificate();
    const openai = new OpenAI({
      baseURL: simulator.baseUrl,
      apiKey: 'sk-wrong',
      fetch: fetchTrusting(cert),
    });
    await assert.rejects(openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }), {
      status: 401,
    });
  });

  it('answers an evaluation with one schema-shaped criterion per rubric id', async () => {
    const { cert } = await loadCertificate();
    const openai = new OpenAI({
      baseURL: simulator.baseUrl,
      apiKey: TEST_API_KEY,
      fetch: fetchTrusting(cert),
    });
    const rubric = [
      { id: 'greeted', description: 'The agent greeted the caller.' },
      { id: 'tool_used', description: 'The agent checked the order.' },
    ];
    const evaluate = async (transcript: Array<{ role: 'agent' | 'caller'; text: string }>) => {
      const completion = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'You grade phone calls.' },
          {
            role: 'user',
            content: JSON.stringify({
              rubric,
              transcript,
              function_calls: [],
              outcome: 'completed',
            }),
          },
        ],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'evaluation', schema: { type: 'object' }, strict: true },
        },
      });
      assert.equal(completion.object, 'chat.completion');
      return JSON.parse(completion.choices[0]?.message.content ?? '');
    };

    const passed = await evaluate([
      { role: 'agent', text: 'Hello.' },
      { role: 'caller', text: 'Hi.' },
    ]);
    assert.deepEqual(
      passed.criteria.map((c: { id: string }) => c.id),
      ['greeted', 'tool_used'],
    );
    assert.equal(passed.criteria[0].score, 0.9);
    assert.equal(passed.criteria[0].passed, true);
    assert.equal(typeof passed.criteria[0].reason, 'string');
    assert.equal(typeof passed.summary, 'string');

    const failed = await evaluate([{ role: 'agent', text: 'Hello?' }]);
    assert.equal(failed.criteria[1].score, 0.2);
    assert.equal(failed.criteria[1].passed, false);
    assert.ok(simulator.chatRequests.length >= 2);

    await assert.rejects(
      openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'grade it' }],
      }),
      { status: 400 },
    );
  });

  it('refuses the next upgrade with 403, then accepts again', async () => {
    simulator.failNextConnections('refuse-403');
    const refused = await RealtimeTestClient.open(simulator);
    const error = await new Promise<Error>((resolve) => refused.socket.on('error', resolve));
    assert.match(error.message, /403/);
    const client = await RealtimeTestClient.connect(simulator);
    await client.close();
  });

  it('holds the next upgrade unanswered until the client gives up', async () => {
    simulator.failNextConnections('hang');
    const hung = await RealtimeTestClient.open(simulator, { handshakeTimeoutMs: 300 });
    const error = await new Promise<Error>((resolve) => hung.socket.on('error', resolve));
    assert.match(error.message, /handshake has timed out/);
  });

  it('closes the next connection with 1011 after the given delay', async () => {
    simulator.failNextConnections('close-1011-after-ms', 1, 150);
    const client = await RealtimeTestClient.connect(simulator);
    assert.equal(await client.closed, 1011);
    assert.equal(simulator.sessions.at(-1)?.closeCode, 1011);
  });

  it('serves the unmodified openai client when NODE_EXTRA_CA_CERTS names the cert', async () => {
    const { certPath } = await loadCertificate();
    const script = `
      import OpenAI from 'openai';
      import { OpenAIRealtimeWS } from 'openai/realtime/ws';
      const client = new OpenAI({ baseURL: process.argv[1], apiKey: '${TEST_API_KEY}' });
      const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime' }, client);
      const created = await new Promise((resolve, reject) => {
        rt.on('session.created', resolve);
        rt.on('error', reject);
      });
      rt.close();
      const messages = [{ role: 'user', content: JSON.stringify({ rubric: [], transcript: [] }) }];
      const completion = await client.chat.completions.create({ model: 'm', messages });
      console.log(JSON.stringify({ session: created.session.type, object: completion.object }));
    `;
    const run = promisify(execFile);
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', script, simulator.baseUrl],
      {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: certPath },
      },
    );
    assert.deepEqual(JSON.parse(stdout), { session: 'realtime', object: 'chat.completion' });
  });
});
