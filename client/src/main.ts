import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { createAppRouter } from './router/router';
import { useSessionStore } from './stores/session.store';
import { useThemeStore } from './stores/theme.store';
import './styles/tokens.css';
import './styles/base.css';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
const router = createAppRouter();
app.use(router);

useThemeStore();

// A rejected token anywhere ends the session; send the person to log in again and come back.
useSessionStore().onExpired(() => {
  const here = router.currentRoute.value;
  if (here.name === 'login') return;
  void router.push({ name: 'login', query: { redirect: here.fullPath, reason: 'expired' } });
});

app.mount('#app');
