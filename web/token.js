// The API token of this browser tab: kept in sessionStorage (gone with the tab, never in a
// URL or a served page) and sent as "Authorization: Bearer". Shared by the pages.
'use strict';

window.onairToken = (() => {
  const KEY = 'onair-api-token';
  return {
    get() { return sessionStorage.getItem(KEY) || ''; },
    set(token) {
      if (token) sessionStorage.setItem(KEY, token);
      else sessionStorage.removeItem(KEY);
    },
    clear() { sessionStorage.removeItem(KEY); },
    headers() {
      const token = this.get();
      return token ? { Authorization: 'Bearer ' + token } : {};
    },
  };
})();
