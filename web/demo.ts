/**
        const modeShown = `${resuming ? 'MULTIPART (resumed)' : mode.toUpperCase()}${profile === undefined ? '' : ` · ${profile}`}`;
        addRow({ key: result.key, size: result.size, mode: modeShown, verdict: 'accepted', words: 'accepted', profile });
 */
import { fieldOf, formatBytes } from './errors.js';
import { CHECKPOINT_PREFIX, readCheckpoint } from './multipart.js';
import { checkpointKey, startUpload, UPLOAD_MODES, UploadError, type UploadMode, type UploadStatus } from './upload-client.js';

const $ = <T extends Element>(selector: string): T => {
  const element = document.querySelector<T>(selector);
  if (element === null) throw new Error(`missing ${selector}`);
  return element;
};

let token: string | undefined;
const errorLine = $<HTMLParagraphElement>('#error');

$<HTMLFormElement>('#signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void signIn($<HTMLInputElement>('#user-name').value.trim());
});

/** A development token for `user` from the local stack; the outcome is shown beside the form (it never throws). */
async function signIn(user: string): Promise<void> {
  const status = $<HTMLParagraphElement>('#signin-status');
  try {
    const response = await fetch(`/api/dev-token?user=${encodeURIComponent(user)}`);
    const answer: unknown = await response.json();
    const given = fieldOf(answer, 'token');
    if (!response.ok || typeof given !== 'string') {
      const message = fieldOf(fieldOf(answer, 'error'), 'message');
      throw new Error(typeof message === 'string' ? message : `HTTP ${response.status}`);
    }
    token = given;
    status.textContent = `Signed in as ${user}.`;
    errorLine.textContent = '';
  } catch (error) {
    status.textContent = 'Not signed in.';
    errorLine.textContent = `Sign-in failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** A profile as the local stack's /api/config describes it. */
interface ProfileChoice {
  name: string;
  contentTypes: string[];
  minBytes: number;
  maxBytes: number;
  key: 'random' | 'fixed';
  methods: string[];
  maxObjectsPerUser?: number;
  maxBytesPerUser?: number;
}

let profiles: ProfileChoice[] = [];

/** One line on what a profile takes, for the note under the choices. */
function describeProfile(profile: ProfileChoice): string {
  const quota = [
    profile.maxObjectsPerUser === undefined ? undefined : `${profile.maxObjectsPerUser} files`,
    profile.maxBytesPerUser === undefined ? undefined : formatBytes(profile.maxBytesPerUser),
  ].filter((part) => part !== undefined);
  return [
    `${profile.contentTypes.join(', ')}, up to ${formatBytes(profile.maxBytes)}`,
    profile.key === 'fixed' ? 'one file per user: a new upload replaces it' : undefined,
    `by ${profile.methods.join(', ')}`,
    quota.length === 0 ? undefined : `at most ${quota.join(' and ')} per user`,
  ]
    .filter((part) => part !== undefined)
    .join('; ');
}

/** The profiles the stack serves: offered when a profiles file is there (anything but the one `default`). */
async function loadProfiles(): Promise<void> {
  const config: unknown = await fetch('/api/config')
    .then((response) => response.json())
    .catch(() => undefined);
  const listed = fieldOf(config, 'profiles');
  profiles = Array.isArray(listed) ? (listed as ProfileChoice[]) : [];
  if (profiles.length === 0 || (profiles.length === 1 && profiles[0]?.name === 'default')) return;
  const choices = $<HTMLDivElement>('#profile-choices');
  profiles.forEach((profile, index) => {
    const label = document.createElement('label');
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'profile';
    radio.value = profile.name;
    radio.checked = index === 0;
    radio.addEventListener('change', showProfileNote);
    label.append(radio, ` ${profile.name}`);
    choices.append(label);
  });
  $<HTMLFieldSetElement>('#profiles').hidden = false;
  showProfileNote();
}
void loadProfiles();

function selectedProfile(): string | undefined {
  return document.querySelector<HTMLInputElement>('input[name="profile"]:checked')?.value;
}

function showProfileNote(): void {
  const profile = profiles.find((candidate) => candidate.name === selectedProfile());
  $<HTMLParagraphElement>('#profile-note').textContent = profile === undefined ? '' : describeProfile(profile);
}

function selectedMode(): UploadMode {
  const value = $<HTMLInputElement>('input[name="mode"]:checked').value;
  return UPLOAD_MODES.find((mode) => mode === value) ?? 'auto';
}

function endpointFor(mode: UploadMode): string {
  return mode === 'sts' ? '/api/sts-token' : '/api/sign-url';
}

/** Only STS mode needs ali-oss: its 680 KB browser build is loaded the first time that mode is used. */
let aliOss: Promise<void> | undefined;
function loadAliOss(): Promise<void> {
  aliOss ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/assets/vendor/aliyun-oss-sdk.min.js';
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('could not load ali-oss'));
    document.head.append(script);
  });
  return aliOss;
}

/** Checkpoints of unfinished multipart uploads (in localStorage, so they survive a reload). */
function listResumable(): void {
  const list = $<HTMLUListElement>('#resumable-list');
  list.replaceChildren();
  for (let i = 0; i < localStorage.length; i += 1) {
    const id = localStorage.key(i);
    const point = id?.startsWith(CHECKPOINT_PREFIX) === true ? readCheckpoint(localStorage, id) : undefined;
    if (point === undefined) continue;
    const item = document.createElement('li');
    item.textContent = `${point.fileName} (${formatBytes(point.fileSize)}): ${Object.keys(point.parts).length} of ${point.partCount} parts uploaded`;
    item.dataset['file'] = point.fileName;
    list.append(item);
  }
  $<HTMLDivElement>('#resumable').hidden = list.childElementCount === 0;
}
listResumable();

function addUpload(file: File): void {
  if (token === undefined) {
    errorLine.textContent = 'Sign in first.';
    $<HTMLInputElement>('#user-name').focus();
    return;
  }
  errorLine.textContent = '';
  // A file with an unfinished upload (of this profile) resumes it, whatever mode is selected.
  const profile = selectedProfile();
  const resuming = readCheckpoint(localStorage, checkpointKey(endpointFor('multipart'), file, profile)) !== undefined;
  const mode = resuming ? 'multipart' : selectedMode();
  const item = document.createElement('li');
  const name = document.createElement('span');
  name.textContent = `${file.name} (${formatBytes(file.size)})`;
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.className = 'secondary';
  cancel.textContent = 'Cancel';
  cancel.setAttribute('aria-label', `Cancel ${file.name}`);
  const pause = document.createElement('button');
  pause.type = 'button';
  pause.className = 'secondary';
  pause.textContent = 'Pause';
  pause.setAttribute('aria-label', `Pause ${file.name}`);
  const bar = document.createElement('progress');
  bar.max = Math.max(file.size, 1);
  bar.value = 0;
  bar.setAttribute('aria-label', `Progress of ${file.name}`);
  const state = document.createElement('span');
  state.className = 'state';
  state.textContent = 'Starting…';
  item.append(name, pause, cancel, bar, state);
  $<HTMLUListElement>('#transfers').append(item);

  const controller = new AbortController();
  cancel.addEventListener('click', () => controller.abort());
  let progressEvents = 0;
  const currentToken = token;
  let parts = '';
  let percent = '';
  (mode === 'sts' ? loadAliOss() : Promise.resolve())
    .then(() => {
      const handle = startUpload(file, {
        endpoint: endpointFor(mode),
        // STS mode uploads with sts-token's credentials; the verdict is sign-url's to tell.
        verdictEndpoint: endpointFor('put'),
        mode,
        ...(profile === undefined ? {} : { profile }),
        getToken: () => currentToken,
        signal: controller.signal,
        partSize: 100 * 1024,
        onStatus: (status) => {
          state.textContent = describeStatus(status) ?? `${percent}${parts}`;
          item.dataset['status'] = status.state;
        },
        onParts: (done, total) => {
          parts = ` · part ${done} of ${total} done`;
          item.dataset['partsDone'] = String(done);
          item.dataset['partsTotal'] = String(total);
        },
        onProgress: (loaded, total) => {
          progressEvents += 1;
          bar.max = Math.max(total, 1);
          bar.value = loaded;
          percent = `${Math.round((loaded / Math.max(total, 1)) * 100)}%`;
          if (item.dataset['status'] !== 'waiting' && item.dataset['status'] !== 'paused') state.textContent = `${percent}${parts}`;
          item.dataset['progressEvents'] = String(progressEvents);
        },
      });
      pause.addEventListener('click', () => {
        if (handle.paused) handle.resume();
        else handle.pause();
        pause.textContent = handle.paused ? 'Resume' : 'Pause';
        pause.setAttribute('aria-label', `${pause.textContent} ${file.name}`);
      });
      return handle.done;
    })
    .finally(listResumable)
    .then(
      (result) => {
        state.textContent = 'Uploaded and accepted.';
        cancel.remove();
        pause.remove();
        item.dataset['state'] = 'done';
        const modeShown = `${resuming ? 'MULTIPART (resumed)' : mode.toUpperCase()}${profile === undefined ? '' : ` · ${profile}`}`;
        addRow({ key: result.key, size: result.size, mode: modeShown, verdict: 'accepted', words: 'accepted', profile });
      },
      (error: unknown) => {
        const message = error instanceof UploadError ? error.message : 'The upload failed.';
        state.textContent = message;
        state.classList.add('failed');
        cancel.remove();
        pause.remove();
        item.dataset['state'] = error instanceof UploadError ? error.code : 'Failed';
        errorLine.textContent = `${file.name}: ${message}`;
        // Uploaded, then removed by upload-completed: listed as rejected, in words, with the code an app branches on.
        if (error instanceof UploadError && error.code === 'Rejected' && error.key !== undefined) {
          const modeShown = `${mode.toUpperCase()}${profile === undefined ? '' : ` · ${profile}`}`;
          const row = addRow({ key: error.key, size: file.size, mode: modeShown, verdict: 'rejected', words: message, profile });
          row.dataset['reason'] = error.reason ?? '';
        }
      },
    );
}

/** A row of the Uploaded table: the verdict the uploader got, and (once it comes) what the app's webhook was told. */
function addRow(upload: {
  key: string;
  size: number;
  mode: string;
  verdict: 'accepted' | 'rejected';
  words: string;
  profile: string | undefined;
}): HTMLTableRowElement {
  const row = document.createElement('tr');
  for (const text of [upload.key, formatBytes(upload.size), upload.mode, upload.words, 'waiting…']) {
    const cell = document.createElement('td');
    cell.textContent = text;
    row.append(cell);
  }
  row.dataset['key'] = upload.key;
  row.dataset['size'] = String(upload.size);
  row.dataset['verdict'] = upload.verdict;
  if (upload.profile !== undefined) row.dataset['profile'] = upload.profile;
  if (upload.verdict === 'rejected') row.classList.add('rejected');
  $<HTMLTableSectionElement>('#uploaded tbody').append(row);
  void showWebhook(row, upload.key);
  return row;
}

/** What the page says while an upload is not simply sending; undefined when it is (the percentage shows). */
function describeStatus(status: UploadStatus): string | undefined {
  switch (status.state) {
    case 'uploading':
      return undefined;
    case 'paused':
      return 'Paused.';
    case 'checking':
      return 'Uploaded: checking the file…';
    case 'waiting': {
      const why = { offline: 'Offline', network: 'No answer from the network', busy: 'The service is busy' }[status.reason];
      return `${why}: trying again in ${Math.ceil(status.retryInMs / 1000)} s, or as soon as the network is back.`;
    }
  }
}

/**
 * What the app was told, as the stack's own webhook receiver verified it: `verified`, or `rejected: <reason>`. Polled
 * for a few seconds: the webhook comes asynchronously, as the OSS trigger's does.
 */
async function showWebhook(row: HTMLTableRowElement, key: string): Promise<void> {
  const cell = row.lastElementChild as HTMLTableCellElement;
  for (let attempt = 0; attempt < 40; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const response = await fetch(`/api/dev-verdicts?prefix=${encodeURIComponent(key)}`).catch(() => undefined);
    if (response === undefined || response.status === 404) break;
    const verdicts: unknown = fieldOf(await response.json(), 'verdicts');
    const verdict = fieldOf(Array.isArray(verdicts) ? verdicts.find((entry) => fieldOf(entry, 'key') === key) : undefined, 'verdict');
    if (typeof verdict === 'string') {
      cell.textContent = verdict;
      row.dataset['webhook'] = verdict;
      return;
    }
  }
  cell.textContent = 'no webhook yet';
}

const input = $<HTMLInputElement>('#file-input');
input.addEventListener('change', () => {
  for (const file of Array.from(input.files ?? [])) addUpload(file);
  input.value = '';
});

const zone = $<HTMLDivElement>('#drop-zone');
zone.addEventListener('dragover', (event) => {
  event.preventDefault();
  zone.classList.add('dragging');
});
zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
zone.addEventListener('drop', (event) => {
  event.preventDefault();
  zone.classList.remove('dragging');
  for (const file of Array.from(event.dataTransfer?.files ?? [])) addUpload(file);
});
