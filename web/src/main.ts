import { startApp } from './app.ts';

void startApp(document.getElementById('app')!);
