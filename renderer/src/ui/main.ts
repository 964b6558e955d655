/**
 * The renderer's entry: the desktop host when the preload exposed window.studio (Electron),
 * else the web host; then the studio.
 */
import { mount } from 'svelte';
import App from './App.svelte';
import { WebHost } from '../host/web-host.js';
import { ElectronHost } from '../host/electron-host.js';
import type { Host } from '../host/host.js';
import type { StudioApi } from '../../../electron/shared/ipc-contract.js';
import './styles.css';

const studio = (globalThis as { studio?: StudioApi }).studio;
const host: Host = studio ? new ElectronHost(studio) : new WebHost();
mount(App, { target: document.getElementById('app')!, props: { host } });
