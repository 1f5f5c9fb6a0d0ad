import { mount } from 'svelte';
import App from './App.svelte';
import MessageWindow from './lib/MessageWindow.svelte';
import Composer from './lib/Composer.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
// index.html?message=ID is a message in a window of its own (&part=2.0: a message forwarded
// inside it); anything else the main window.
const query = new URLSearchParams(window.location.search);
const message = Number(query.get('message'));
const part = (query.get('part') ?? '').split('.').filter(Boolean).map(Number).filter((n) => Number.isInteger(n) && n >= 0);
// index.html?composer=ID is the composer of draft ID.
const composer = Number(query.get('composer'));
export default Number.isInteger(composer) && composer > 0
  ? mount(Composer, { target, props: { id: composer } })
  : Number.isInteger(message) && message > 0
    ? mount(MessageWindow, { target, props: { id: message, part } })
    : mount(App, { target });
