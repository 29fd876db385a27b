// jest `setupFiles`: runs in every test file before it starts.
import { installCapture } from './log-capture';

installCapture();
