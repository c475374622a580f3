/**
 * A small XML reader for TwiML: elements, attributes, text and the five
 * named entities plus numeric references. It skips the declaration, comments,
 * processing instructions and CDATA markers; TwiML documents are small and
 * plain, so namespaces and DTDs are not supported.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** Thrown by readXml for a document that is not well formed. */
export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
    this.name = 'XmlSyntaxError';
  }
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

export function readXml(source: string): XmlElement {
  const reader = new XmlReader(source);
  return reader.readDocument();
}

class XmlReader {
  private offset = 0;

  constructor(private readonly source: string) {}

  readDocument(): XmlElement {
    this.skipMisc();
    if (this.peek() !== '<') this.fail('expected a root element');
    const root = this.readElement();
    this.skipMisc();
    if (this.offset < this.source.length) this.fail('content after the root element');
    return root;
  }

  private readElement(): XmlElement {
    this.expect('<');
    const name = this.readName();
    const attributes = this.readAttributes();
    const element: XmlElement = { name, attributes, children: [], text: '' };
    if (this.source.startsWith('/>', this.offset)) {
      this.offset += 2;
      return element;
    }
    this.expect('>');
    this.readContent(element);
    return element;
  }

  private readContent(element: XmlElement): void {
    for (;;) {
      if (this.offset >= this.source.length) this.fail(`unclosed <${element.name}>`);
      if (this.source.startsWith('</', this.offset)) {
        this.offset += 2;
        const closing = this.readName();
        if (closing !== element.name) this.fail(`</${closing}> closes <${element.name}>`);
        this.skipWhitespace();
        this.expect('>');
        element.text = element.text.trim();
        return;
      }
      if (this.source.startsWith('<![CDATA[', this.offset)) {
        element.text += this.readUntil(']]>', this.offset + 9);
      } else if (this.skipMarkup()) {
        continue;
      } else if (this.peek() === '<') {
        element.children.push(this.readElement());
      } else {
        element.text += this.readText();
      }
    }
  }

  private readAttributes(): Record<string, string> {
    const attributes: Record<string, string> = {};
    for (;;) {
      this.skipWhitespace();
      const next = this.peek();
      if (next === '>' || next === '/' || next === undefined) return attributes;
      const name = this.readName();
      this.skipWhitespace();
      this.expect('=');
      this.skipWhitespace();
      const quote = this.peek();
      if (quote !== '"' && quote !== "'") this.fail('expected a quoted attribute value');
      attributes[name] = decodeEntities(this.readUntil(quote, this.offset + 1), this.offset);
    }
  }

  private readText(): string {
    const start = this.offset;
    while (this.offset < this.source.length && this.peek() !== '<') this.offset += 1;
    return decodeEntities(this.source.slice(start, this.offset), start);
  }

  private readName(): string {
    const start = this.offset;
    while (this.offset < this.source.length && isNameCharacter(this.source.charAt(this.offset))) {
      this.offset += 1;
    }
    if (this.offset === start) this.fail('expected a name');
    return this.source.slice(start, this.offset);
  }

  /** Returns the text from `from` up to the terminator and moves past it. */
  private readUntil(terminator: string, from: number): string {
    const end = this.source.indexOf(terminator, from);
    if (end === -1) this.fail(`expected ${terminator}`);
    this.offset = end + terminator.length;
    return this.source.slice(from, end);
  }

  /** Skips a comment, declaration or processing instruction; false if none is here. */
  private skipMarkup(): boolean {
    if (this.source.startsWith('<!--', this.offset)) this.readUntil('-->', this.offset + 4);
    else if (this.source.startsWith('<?', this.offset)) this.readUntil('?>', this.offset + 2);
    else if (this.source.startsWith('<!', this.offset)) this.readUntil('>', this.offset + 2);
    else return false;
    return true;
  }

  private skipMisc(): void {
    do this.skipWhitespace();
    while (this.skipMarkup());
  }

  private skipWhitespace(): void {
    while (isWhitespace(this.source.charAt(this.offset))) this.offset += 1;
  }

  private peek(): string | undefined {
    return this.offset < this.source.length ? this.source.charAt(this.offset) : undefined;
  }

  private expect(character: string): void {
    if (this.peek() !== character) this.fail(`expected '${character}'`);
    this.offset += 1;
  }

  private fail(message: string): never {
    throw new XmlSyntaxError(message, this.offset);
  }
}

function decodeEntities(raw: string, offset: number): string {
  let decoded = '';
  let index = 0;
  while (index < raw.length) {
    const ampersand = raw.indexOf('&', index);
    if (ampersand === -1) return decoded + raw.slice(index);
    const semicolon = raw.indexOf(';', ampersand);
    if (semicolon === -1) throw new XmlSyntaxError('unterminated entity', offset + ampersand);
    decoded += raw.slice(index, ampersand) + decodeEntity(raw.slice(ampersand + 1, semicolon));
    index = semicolon + 1;
  }
  return decoded;

  function decodeEntity(entity: string): string {
    const named = NAMED_ENTITIES[entity];
    if (named !== undefined) return named;
    const isHex = entity.startsWith('#x') || entity.startsWith('#X');
    const code = entity.startsWith('#')
      ? Number.parseInt(entity.slice(isHex ? 2 : 1), isHex ? 16 : 10)
      : NaN;
    if (Number.isNaN(code)) throw new XmlSyntaxError(`unknown entity &${entity};`, offset);
    return String.fromCodePoint(code);
  }
}

function isWhitespace(character: string): boolean {
  return character === ' ' || character === '\n' || character === '\r' || character === '\t';
}

function isNameCharacter(character: string): boolean {
  if (character === '' || isWhitespace(character)) return false;
  return !'<>/=\'"!?&;'.includes(character);
}
