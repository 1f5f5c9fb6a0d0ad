import { mount } from 'svelte';
import App from './App.svelte';
import MessageWindow from './lib/MessageWindow.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
// index.html?message=ID is a message in a window of its own; anything else the main window.
const message = Number(new URLSearchParams(window.location.search).get('message'));
export default Number.isInteger(message) && message > 0
  ? mount(MessageWindow, { target, props: { id: message } })
  : mount(App, { target });
