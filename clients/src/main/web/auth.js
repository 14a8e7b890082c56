// The server's bearer token, when it has one (docs/configuration.md, "Security"). The page is opened as
// http://host:port/#token=<token>: a fragment never reaches the server, its logs or a proxy's; the page keeps it for the
// tab (sessionStorage) and takes it out of the address bar at once. REST calls send it as `Authorization: Bearer`; the
// feed, whose upgrade a browser cannot give headers, offers it as the subprotocol `tickwire.bearer.<token>` beside
// `tickwire.feed` (the one the server selects).
const KEY = 'tickwire.token';

function fromFragment() {
    const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
    if (!match) return null;
    const token = decodeURIComponent(match[1]);
    const rest = location.hash.replace(match[0], '').replace(/^#?&/, '#');
    history.replaceState(null, '', location.pathname + location.search + (rest === '#' ? '' : rest));
    return token;
}

let token = null;
try {
    token = fromFragment() ?? sessionStorage.getItem(KEY);
    if (token) sessionStorage.setItem(KEY, token);
} catch {
    // storage refused (private mode): the token lives as long as the page
}

export const auth = {
    /** Headers for a REST call: the token's, if any. */
    headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
    /** Subprotocols to offer on the feed's upgrade: none without a token (the server then selects none). */
    subprotocols: () => (token ? ['tickwire.feed', `tickwire.bearer.${token}`] : []),
    has: () => token !== null && token !== '',
};

/** What to tell the user when the server answers 401. */
export const NEEDS_TOKEN = 'this server needs its token: open the page as http://HOST:PORT/#token=<token>'
    + ' (the content of server.tokenFile)';
