/** The renderer's entry: mounts the studio with the web host (the desktop app passes its own Host here). */
import { mount } from 'svelte';
import App from './App.svelte';
import { WebHost } from './host/web-host.js';
import type { Host } from './host/host.js';
import './styles.css';

const host: Host = new WebHost();
mount(App, { target: document.getElementById('app')!, props: { host } });
