// Shared by the browser tests and the bench: start "kommo-bulk serve
// --emulator" on a free loopback port, and Debian's headless Chromium
// through playwright-core (never a browser playwright downloads).
import { spawn } from 'node:child_process';
import { mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const artifacts = path.join(root, 'test-artifacts', 'browser');
export const bin = process.env.KOMMO_BULK_BIN || path.join(root, 'bin', 'kommo-bulk');
export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

/** Starts kommo-bulk serve and resolves with {url, stop}. */
export function startServe(args = ['--emulator', '--emulator-rate', '0']) {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run make build`);
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, ['serve', '--addr', '127.0.0.1:0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => { proc.kill(); reject(new Error(`serve did not start:\n${stderr}`)); }, 20000);
    proc.stderr.on('data', (d) => {
      stderr += d;
      const m = stderr.match(/open (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m && timer) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          stderr: () => stderr,
          stop: () => new Promise((res) => { proc.once('exit', res); proc.kill('SIGTERM'); }),
        });
      }
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited ${code}:\n${stderr}`)); });
  });
}

/** Launches headless Chromium with the flags this machine needs. */
export async function launch() {
  // playwright-core gives every launch a new empty profile directory
  // (--user-data-dir) and passes --headless.
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/** A new page whose console errors and page errors are collected. */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1366, height: 900 }, ...options });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  return page;
}

let shot = 0;
/** Saves a screenshot under test-artifacts/browser. */
export async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  shot++;
  const file = path.join(artifacts, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
