/** The Keystone token of this browser tab: sessionStorage only, gone when the tab closes. */
const KEY = 'sirocco.token';
const WHO = 'sirocco.who';

export const session = {
  token: (): string | null => sessionStorage.getItem(KEY),
  who: (): string | null => sessionStorage.getItem(WHO),
  save(token: string, who: string): void {
    sessionStorage.setItem(KEY, token);
    sessionStorage.setItem(WHO, who);
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(WHO);
  },
};

/** Fired when the API answers 401: the app shows the login page. */
export const UNAUTHORIZED_EVENT = 'sirocco:unauthorized';
