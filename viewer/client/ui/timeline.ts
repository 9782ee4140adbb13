import { h } from './dom.ts';

/** The replay scrubber: a slider over the recorded frames, labelled with the step shown. */
export class Timeline {
  private readonly slider = h('input', { type: 'range', min: 0, max: 0, value: 0, step: 1, 'data-testid': 'timeline' });
  private readonly label = h('span', { class: 'muted', 'data-testid': 'timeline-label' });

  constructor(
    private readonly root: HTMLElement,
    private readonly steps: number[],
    seek: (i: number) => void,
  ) {
    this.slider.max = String(steps.length - 1);
    this.slider.oninput = () => seek(Number(this.slider.value));
    root.replaceChildren(h('h3', {}, 'Timeline'), this.slider, this.label);
    this.show(0);
  }

  /** Shows frame i of `steps`, which may have grown (a run still being written). */
  show(i: number): void {
    this.slider.max = String(this.steps.length - 1);
    this.slider.value = String(i);
    this.label.textContent = `frame ${i + 1} / ${this.steps.length} · step ${this.steps[i]}`;
  }

  remove(): void {
    this.root.replaceChildren();
  }
}
