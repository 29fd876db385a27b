/** The browser tests' Chromium: the one launcher the bench uses too. */
export { CHROMIUM_PATH, launchChromium } from '../../tools/chromium';
