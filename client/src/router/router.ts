import { createRouter, createWebHistory, type Router } from 'vue-router';
import type { AccessMeta } from './auth.guard';
import { decideNavigation } from './auth.guard';
import { useSessionStore } from '../stores/session.store';

declare module 'vue-router' {
  interface RouteMeta extends AccessMeta {
    title?: string;
    /** An invite-link guest's own flow (green room, studio): the top bar offers no way out to log in or sign up. */
    guestFlow?: boolean;
  }
}

/*
 * Top-level paths that later pages will own (/studio, /join/:invite, /vod/:id, /moderation,
 * /category/:slug, and the catch-all /:channel and /:channel/live). They are added with
 * their pages; keep fixed paths above `/:channel` when they arrive.
 */
export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHistory(import.meta.env.BASE_URL),
    routes: [
      { path: '/', name: 'home', component: () => import('@/views/HomeView.vue'), meta: { title: 'StreamCat' } },
      { path: '/login', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { guestOnly: true, title: 'Log in' } },
      {
        path: '/register',
        name: 'register',
        component: () => import('@/views/RegisterView.vue'),
        meta: { guestOnly: true, title: 'Create your channel' },
      },
      {
        path: '/me/channel',
        name: 'my-channel',
        component: () => import('@/views/MyChannelView.vue'),
        meta: { requiresSession: true, title: 'My channel' },
      },
      {
        path: '/moderation',
        name: 'moderation',
        component: () => import('@/views/ModerationView.vue'),
        meta: { requiresSession: true, title: 'Moderation' },
      },
      {
        path: '/studio',
        name: 'studio',
        component: () => import('@/views/StudioView.vue'),
        meta: { requiresSession: true, title: 'Studio' },
      },
      {
        path: '/join/:code',
        name: 'join',
        component: () => import('@/views/JoinView.vue'),
        meta: { title: 'Join a show', guestFlow: true },
      },
      { path: '/category/:slug', name: 'category', component: () => import('@/views/CategoryView.vue'), meta: { title: 'Category' } },
      { path: '/vod/:id', name: 'vod', component: () => import('@/views/VodView.vue'), meta: { title: 'Past broadcast' } },
      // Channel pages match any channel name: keep them after every fixed path.
      {
        path: '/:channel([A-Za-z0-9_-]+)/live',
        name: 'realtime-watch',
        component: () => import('@/views/RealtimeWatchView.vue'),
        meta: { title: 'Real-time stage' },
      },
      { path: '/:channel([A-Za-z0-9_-]+)', name: 'watch', component: () => import('@/views/WatchView.vue'), meta: { title: 'Watch' } },
      { path: '/:rest(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue'), meta: { title: 'Not found' } },
    ],
    scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
  });

  router.beforeEach((to) => decideNavigation(to, useSessionStore().isAuthenticated));
  router.afterEach((to) => {
    document.title = to.meta.title && to.meta.title !== 'StreamCat' ? `${to.meta.title} · StreamCat` : 'StreamCat';
  });
  return router;
}
