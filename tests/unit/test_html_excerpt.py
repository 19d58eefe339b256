"""The `:excerpt` modifier's HTML-to-text walk, against answers captured from PocketBase 0.40.6.

Each expected value is what the real binary returned for the same value stored in an editor field
and read with `?fields=body:excerpt(args)`.
"""

from __future__ import annotations

import pytest

from bastion.core import html_excerpt
from bastion.core.html_excerpt import ExcerptUnavailable, excerpt


def _args(args: str) -> tuple[int, bool]:
    parts = [p.strip() for p in args.split(",")]
    return int(parts[0]), len(parts) > 1 and parts[1] in ("1", "t", "T", "TRUE", "true", "True")


# (html, excerpt arguments, PocketBase answer)
EXCERPTS = [
    ("<p>日本語</p><p>日本語</p><p>日本語</p>", "5,true", "日本語"),
    ("日本語日本語日本語", "5,true", "日本語日本..."),
    ("<p>日本語</p><p>日本語</p><p>日本語</p>", "50,true", "日本語 日本語 日本語"),
    ("Hello <script>alert(1)</script>world", "50", "Hello world"),
    ("<title>Doc</title>Body text", "50", "Body text"),
    ("a&nbsp;&nbsp;b &amp; c &lt;d&gt;", "50", "a\xa0\xa0b & c <d>"),
    ("line1<br>line2<br/>line3", "50", "line1line2line3"),
    ("<ul><li>one</li><li>two</li></ul>after", "50", "one two after"),
    ("  lots \n\t of   space  ", "50", "lots of space"),
    ("<div>a<span>b</span>c<div>d</div>e</div>", "50", "abc d e"),
    ("<p>unclosed <b>bold <i>it</p>rest", "50", "unclosed bold it rest"),
    ("x < y and y > z", "50", "x < y and y > z"),
    ("<img src=x>pic<input value=v>after<select><option>o</option></select>end", "50", "picafterend"),
    ("<!-- comment -->text<![CDATA[cd]]>more", "50", "textmore"),
    ("<style>p{}</style><p>styled</p>", "50", "styled"),
    ("abc def ghi", "4,true", "abc..."),
    ("abc def ghi", "3,true", "abc..."),
    ("abc", "3,true", "abc"),
    ("abcd", "3,true", "abc..."),
    ("<p>one</p><p>two</p><p>three</p><p>four</p>", "5,true", "one t..."),
    ("<b>a</b><b>b</b><b>c</b><b>d</b><b>e</b><b>f</b><b>g</b>", "3,true", "abc..."),
    ("<p>ab</p><p>cd</p><p>ef</p><p>gh</p>", "3,true", "ab..."),
    ("éééééééééé", "4,true", "éééé..."),
    ("<textarea>hidden <b>x</b></textarea>shown", "50", "shown"),
    ("<table><tr><td>c1</td><td>c2</td></tr></table>t", "50", "c1 c2 t"),
    ("<html><head><title>T</title></head><body>B</body></html>", "50", "B"),
    ("<noscript>ns</noscript>x", "50", "x"),
    ("a\xa0\xa0b\u3000\u3000c", "50", "a\xa0\xa0b\u3000\u3000c"),
    ("<p> lead</p><p>trail </p>", "50", "lead trail"),
    ("plain", "2", "pl"),
    ("<svg><text>svgtext</text></svg>after", "50", "after"),
    ("<button>btn</button><label>lbl</label><a href=#>link</a>", "50", "lbllink"),
    ("<h1>Title</h1>\n<p>Para <code>c</code>.</p>", "50", "Title Para c."),
    ("a<hr>b", "50", "a b"),
    ("&#x41;&#66;&copy;", "50", "AB©"),
    ("<p>Hello</p>\n\n<p>World</p>", "8,true", "Hello Wo..."),
    ("<meta charset=utf-8><link rel=x>text", "50", "text"),
    ("<head><style>x</style></head>body", "50", "body"),
    ("é́ combining", "2,true", "é́..."),
]


# HTML5 tree-building corners (implied ends, tables, raw text, svg, select), also from the binary
EXCERPTS_HTML5 = [
    ("<p><b>bold<div>still bold</div>after</b></p>", "50", "bold still bold after"),
    ("<table>stray<tr><td>cell</td></tr></table>", "50", "stray cell"),
    ("<table><tr><td>a<td>b<tr><td>c</table>", "50", "a b c"),
    ("<a>x<tr><td>not a table</td></tr></a>", "50", "xnot a table"),
    ("<svg><text>hidden</text><div>shown</div></svg>tail", "50", "shown tail"),
    ("<select><select><hr>&lt;b&gt;</select>", "50", "<b>"),
    ("<noscript><b>raw</b></noscript>x", "50", "x"),
    ("x<noscript><b>raw</b></noscript>", "50", "x <b>raw</b>"),
    ("x<title>a &amp; <b>b</b></title>y", "50", "x a & <b>b</b> y"),
    ("x<textarea>one</textarea><p>two</p>", "50", "x two"),
    ("x<textarea>unterminated <p>never</p>", "50", "x"),
    ("text then <b", "50", "text then"),
    ("a</p>b", "50", "a b"),
    ("<ul><li>one<li>two<li>three</ul>", "50", "one two three"),
    ("<button>a<button>b</button>c", "50", "c"),
    ("<p>日本語</p><table><tr><td>表</td></tr></table><p>日本語</p>", "4,true", "日本語"),
    ("<p><b><i>x<ul><li>item</li></ul>tail</i></b></p>", "6,true", "x item..."),
    ("<h1>a<h2>b</h2></h1>c", "50", "a b c"),
    ("<p>a<table><tr><td>b</td></tr></table>c</p>", "50", "a b c"),
]


# A wider table, each answer from PocketBase 0.40.6 (value stored in an editor field, read back with
# `?fields=body:excerpt(args)`): raw text and comments, character references, every inline tag
# and some block ones, tag soup, whitespace runs, multi-byte text cut at each length.
EXCERPTS_WIDE = [
    ("a<script>x</script>b", "50", "ab"),
    ("a<script>x", "50", "a"),
    ("<script>x</script>", "50", ""),
    ("a<style>p{}</style>b", "50", "ab"),
    ("a<!--c-->b", "50", "ab"),
    ("a<!-- unterminated", "50", "a"),
    ("a<!--->b", "50", "ab"),
    ("a<!---->b", "50", "ab"),
    ("a<!-->b", "50", "ab"),
    ("a<?php echo 1 ?>b", "50", "ab"),
    ("a<![CDATA[x]]>b", "50", "ab"),
    ("<!doctype html>a", "50", "a"),
    ("a<!x>b", "50", "ab"),
    ("a<!--a--!>b", "50", "ab"),
    ("a<!-- -- -->b", "50", "ab"),
    ("a<iframe>if</iframe>b", "50", "ab"),
    ("a<noembed>ne</noembed>b", "50", "a ne b"),
    ("a<noframes>nf</noframes>b", "50", "a nf b"),
    ("a<xmp><b>x</b></xmp>b", "50", "a <b>x</b> b"),
    ("a<plaintext><b>x</b></plaintext>b", "50", "a <b>x</b></plaintext>b"),
    ("a<template>t</template>b", "50", "ab"),
    ("a<object>o</object>b", "50", "ab"),
    ("a<embed>b", "50", "ab"),
    ("a<applet>ap</applet>b", "50", "ab"),
    ("a<picture><source>pi</picture>b", "50", "ab"),
    ("a<dialog>d</dialog>b", "50", "ab"),
    ("a<form>f</form>b", "50", "ab"),
    ("a<form><form>f2</form>g</form>b", "50", "agb"),
    ("<script>a</script><script>b", "50", ""),
    ("a</script>b", "50", "ab"),
    ("a<script><!--<script></script>x</script>y", "50", "ay"),
    ("<style>x", "50", ""),
    ("&amp;&amp&ampx&AMP;&AMP", "50", "&&&x&&"),
    ("&notit; &noti; &notin; &not", "50", "¬it; ¬i; ∉ ¬"),
    ("&#0;&#x110000;&#128;&#x80;&#xD800;", "50", "��€€�"),
    ("&#;&#x;&#xZ;&#65", "50", "&#;&#x;&#xZ;A"),
    ("&nbsp&nbsp;x", "50", "x"),
    ("&NotANamedEntity;", "50", "&NotANamedEntity;"),
    ("&lt;script&gt;alert(1)&lt;/script&gt;", "50", "<script>alert(1)</script>"),
    ("&quot;&apos;&#39;", "50", "\"''"),
    ("&hellip;&mdash;&euro;", "50", "…—€"),
    ("&#x1F600;", "50", "😀"),
    ("&#9;&#10;&#13;&#32;x", "50", "x"),
    ("a&#160;&#160;b", "50", "a\xa0\xa0b"),
    ("&zwj;&zwnj;&#x200B;x", "50", "\u200d\u200c\u200bx"),
    ("x<a>y</a>z", "50", "xyz"),
    ("x<abbr>y</abbr>z", "50", "xyz"),
    ("x<acronym>y</acronym>z", "50", "xyz"),
    ("x<b>y</b>z", "50", "xyz"),
    ("x<bdo>y</bdo>z", "50", "xyz"),
    ("x<big>y</big>z", "50", "xyz"),
    ("x<cite>y</cite>z", "50", "xyz"),
    ("x<code>y</code>z", "50", "xyz"),
    ("x<em>y</em>z", "50", "xyz"),
    ("x<i>y</i>z", "50", "xyz"),
    ("x<label>y</label>z", "50", "xyz"),
    ("x<q>y</q>z", "50", "xyz"),
    ("x<small>y</small>z", "50", "xyz"),
    ("x<span>y</span>z", "50", "xyz"),
    ("x<strong>y</strong>z", "50", "xyz"),
    ("x<strike>y</strike>z", "50", "xyz"),
    ("x<sub>y</sub>z", "50", "xyz"),
    ("x<sup>y</sup>z", "50", "xyz"),
    ("x<time>y</time>z", "50", "xyz"),
    ("x<u>y</u>z", "50", "x y z"),
    ("x<s>y</s>z", "50", "x y z"),
    ("x<mark>y</mark>z", "50", "x y z"),
    ("x<kbd>y</kbd>z", "50", "x y z"),
    ("x<var>y</var>z", "50", "x y z"),
    ("x<del>y</del>z", "50", "x y z"),
    ("x<ins>y</ins>z", "50", "x y z"),
    ("x<font>y</font>z", "50", "x y z"),
    ("x<div>y</div>z", "50", "x y z"),
    ("x<p>y</p>z", "50", "x y z"),
    ("x<section>y</section>z", "50", "x y z"),
    ("x<article>y</article>z", "50", "x y z"),
    ("x<h1>y</h1>z", "50", "x y z"),
    ("x<blockquote>y</blockquote>z", "50", "x y z"),
    ("x<pre>y</pre>z", "50", "x y z"),
    ("x<center>y</center>z", "50", "x y z"),
    ("x<foo>y</foo>z", "50", "x y z"),
    ("x<custom-el>y</custom-el>z", "50", "x y z"),
    ("x<bdi>y</bdi>z", "50", "x y z"),
    ("x<nobr>y</nobr>z", "50", "x y z"),
    ("x<tt>y</tt>z", "50", "x y z"),
    ("x<dfn>y</dfn>z", "50", "x y z"),
    ("x<data>y</data>z", "50", "x y z"),
    ("x<samp>y</samp>z", "50", "x y z"),
    ("x<marquee>y</marquee>z", "50", "x y z"),
    ("x<details>y</details>z", "50", "x y z"),
    ("x<summary>y</summary>z", "50", "x y z"),
    ("x<figure>y</figure>z", "50", "x y z"),
    ("x<figcaption>y</figcaption>z", "50", "x y z"),
    ("x<address>y</address>z", "50", "x y z"),
    ("x<main>y</main>z", "50", "x y z"),
    ("x<nav>y</nav>z", "50", "x y z"),
    ("x<aside>y</aside>z", "50", "x y z"),
    ("x<header>y</header>z", "50", "x y z"),
    ("x<footer>y</footer>z", "50", "x y z"),
    ("a<br>b", "50", "ab"),
    ("a<br/>b<br />c", "50", "abc"),
    ("a</br>b", "50", "ab"),
    ("a<wbr>b", "50", "a b"),
    ("a<img>b", "50", "ab"),
    ("a<image>b", "50", "ab"),
    ("a<input>b", "50", "ab"),
    ("a<button>bt</button>b", "50", "ab"),
    ("a<select>s</select>b", "50", "ab"),
    ("a<textarea>t</textarea>b", "50", "ab"),
    ("a<keygen>b", "50", "a b"),
    ("<ul><li>1<li>2</ul><ol><li>3</ol>", "50", "1 2 3"),
    ("<dl><dt>t<dd>d</dl>x", "50", "t d x"),
    ("<p>a<p>b", "50", "a b"),
    ("<h1>a<h2>b", "50", "a b"),
    ("<ruby>r<rt>t</rt><rp>(</rp></ruby>x", "50", "r t ( x"),
    ("<math><mi>m</mi></math>x", "50", "m x"),
    ("<svg><foreignObject><p>fo</p></foreignObject></svg>x", "50", "x"),
    ("<svg><title>st</title></svg>x", "50", "x"),
    ("<math><mtext><div>mt</div></mtext></math>x", "50", "mt x"),
    ("<svg><p>breakout</p></svg>x", "50", "breakout x"),
    ("<svg><font color=red>f</font></svg>x", "50", "f x"),
    ("<frameset><frame></frameset>x", "50", ""),
    ("<body>a<body>b", "50", "ab"),
    ("a</body>b", "50", "ab"),
    ("a</html>b", "50", "ab"),
    ("a</html><!--c-->b", "50", "ab"),
    ("<html>a</html>b", "50", "ab"),
    ("<head>h</head>b", "50", "hb"),
    ("<head><title>t</title></head><body>b</body>x", "50", "bx"),
    ("<base>b<title>t</title>", "50", "b t"),
    ("<pre>\nx</pre>", "50", "x"),
    ("<textarea>\nx</textarea>y", "50", "y"),
    ("<listing>\nl</listing>", "50", "l"),
    ("<a>1<a>2</a>3", "50", "123"),
    ("<nobr>a<nobr>b", "50", "a b"),
    ("<b><p>x</b>y</p>", "50", "xy"),
    ("<b>1<p>2</b>3</p>4", "50", "1 23 4"),
    ("<i><b><u><s><p>x</i>y", "50", "xy"),
    ("<table><td>td</table>", "50", "td"),
    ("<table>a<td>b</table>", "50", "a b"),
    ("<table><caption>c</caption><tr><th>h</tr></table>x", "50", "c h x"),
    ("<table><colgroup><col></table>x", "50", "x"),
    ("<table><input type=hidden>x</table>y", "50", "x y"),
    ("<table><form>f</form><tr><td>t</table>", "50", "f t"),
    ("<td>cell</td>", "50", "cell"),
    ("<tr><td>c</tr>", "50", "c"),
    ("<select><option>o<optgroup><option>p</select>x", "50", "x"),
    ("<option>o</option>x", "50", "x"),
    ("<optgroup>g</optgroup>x", "50", "g x"),
    ("<p><table><tr><td>x</table>y", "50", "x y"),
    ("<isindex>x", "50", "x"),
    ("<search>s</search>x", "50", "s x"),
    ("<menu><li>m</menu>x", "50", "m x"),
    ("<object><param>p</object>x", "50", "x"),
    ("<video>v<source></video>x", "50", "v x"),
    ("<audio>a</audio>x", "50", "a x"),
    ("<canvas>c</canvas>x", "50", "c x"),
    ("<map><area>m</map>x", "50", "m x"),
    ("<iframe src=x></iframe>x", "50", "x"),
    ("<noscript><p>n</p></noscript>x", "50", "x"),
    ("<head><noscript><p>n</p></noscript></head>x", "50", "x"),
    ("<head></head><noscript>n</noscript>x", "50", "n x"),
    ("<title>a</title><title>b</title>c", "50", "c"),
    ("<div/>a<div/>b", "50", "a b"),
    ("<span/>a", "50", "a"),
    ("<b/>a", "50", "a"),
    ("<br/>a", "50", "a"),
    ("<p/>x", "50", "x"),
    ("<x y='>'>z", "50", "z"),
    ('<a href="x>y">l</a>', "50", "l"),
    ("<a b=c d>e", "50", "e"),
    ("< p>x", "50", "< p>x"),
    ("<\np>x", "50", "< p>x"),
    ("</ p>x", "50", "x"),
    ("</>x", "50", "x"),
    ("<>x", "50", "<>x"),
    ("a<b", "50", "a"),
    ("a<b c", "50", "a"),
    ("a<b c=", "50", "a"),
    ("a<b c='", "50", "a"),
    ("a</b", "50", "a"),
    ("a</", "50", "a</"),
    ("a<", "50", "a<"),
    ("a<!", "50", "a"),
    ("a<!-", "50", "a"),
    ("<P>up</P><DIV>DIV</DIV>x", "50", "up DIV x"),
    ("<Script>s</Script>x", "50", "x"),
    ("<sCrIpT>s</ScRiPt>x", "50", "x"),
    ("<selectedcontent>s</selectedcontent>x", "50", "s x"),
    ("<select><button><selectedcontent></selectedcontent></button><option>o</option></select>x", "50", "x"),
    ("a\t\n\r\x0c\x0bb", "50", "a \x0bb"),
    ("a\r\nb", "50", "a b"),
    ("a\x0b\x0bb", "50", "a\x0b\x0bb"),
    ("\x0ba\x0b", "50", "a"),
    (" \xa0a\xa0 ", "50", "a"),
    ("a\u2028b\u2029c", "50", "a\u2028b\u2029c"),
    ("a\u200bb", "50", "a\u200bb"),
    ("\u3000a\u3000", "50", "a"),
    ("a \n \n b", "50", "a b"),
    ("<p>  </p><p> a </p>", "50", "a"),
    ("a<span> </span>b", "50", "a b"),
    ("a <b> b </b> c", "50", "a b c"),
    ("<p>a</p> <p>b</p>", "50", "a b"),
    ("a<!-- --> <!-- -->b", "50", "a b"),
    ("\x85a\x85", "50", "a"),
    ("a\x85b", "50", "a\x85b"),
    ("  <b>  </b>  x", "50", "x"),
    ("日本語テキスト", "1", "日"),
    ("日本語テキスト", "3", "日本語"),
    ("日本語テキスト", "3,true", "日本語..."),
    ("日本語テキスト", "4,true", "日本語テ..."),
    ("日本語テキスト", "7,true", "日本語テキスト"),
    ("日本語テキスト", "8,true", "日本語テキスト"),
    ("😀😀😀😀😀", "1,true", "😀..."),
    ("😀😀😀😀😀", "2,true", "😀😀..."),
    ("😀😀😀😀😀", "5,true", "😀😀😀😀😀"),
    ("😀😀😀😀😀", "6", "😀😀😀😀😀"),
    ("👩\u200d👩\u200d👧\u200d👦 family", "1,true", "👩..."),
    ("👩\u200d👩\u200d👧\u200d👦 family", "3,true", "👩\u200d👩..."),
    ("👩\u200d👩\u200d👧\u200d👦 family", "7,true", "👩\u200d👩\u200d👧\u200d👦..."),
    ("ééé", "1,true", "e..."),
    ("ééé", "2,true", "é..."),
    ("ééé", "4,true", "éé..."),
    ("مرحبا بالعالم", "3,true", "مرح..."),
    ("مرحبا بالعالم", "6,true", "مرحبا..."),
    ("<p>日本</p><p>日本</p><p>日本</p><p>日本</p>", "1,true", "日..."),
    ("<p>日本</p><p>日本</p><p>日本</p><p>日本</p>", "2,true", "日本"),
    ("<p>日本</p><p>日本</p><p>日本</p><p>日本</p>", "3,true", "日本"),
    ("<p>日本</p><p>日本</p><p>日本</p><p>日本</p>", "5,true", "日本"),
    ("<p>日本</p><p>日本</p><p>日本</p><p>日本</p>", "6,true", "日本 日本"),
    ("<p>日本</p><p>日本</p><p>日本</p><p>日本</p>", "10,true", "日本 日本"),
    ("ab cd ef", "1", "a"),
    ("ab cd ef", "2", "ab"),
    ("ab cd ef", "2,true", "ab..."),
    ("ab cd ef", "3,true", "ab..."),
    ("ab cd ef", "4,true", "ab c..."),
    ("ab cd ef", "5,true", "ab cd..."),
    ("ab cd ef", "8,true", "ab cd ef"),
    ("ab cd ef", "9,true", "ab cd ef"),
    ("<p>a</p><p>b</p><p>c</p><p>d</p><p>e</p><p>f</p>", "1,true", "a..."),
    ("<p>a</p><p>b</p><p>c</p><p>d</p><p>e</p><p>f</p>", "2,true", "a..."),
    ("<p>a</p><p>b</p><p>c</p><p>d</p><p>e</p><p>f</p>", "3,true", "a b..."),
    ("<p>a</p><p>b</p><p>c</p><p>d</p><p>e</p><p>f</p>", "4,true", "a b..."),
    ("<p>a</p><p>b</p><p>c</p><p>d</p><p>e</p><p>f</p>", "5,true", "a b c..."),
    ("<p>a</p><p>b</p><p>c</p><p>d</p><p>e</p><p>f</p>", "100,true", "a b c d e f"),
    ("aaaaaaaaaa", "10,true", "aaaaaaaaaa"),
    ("aaaaaaaaaa", "9,true", "aaaaaaaaa..."),
    ("aaaaaaaaaa", "11,true", "aaaaaaaaaa"),
    ("aaaaaaaaaa", "1,true", "a..."),
    ("<b>aaa</b><b>bbb</b><b>ccc</b>", "2,true", "aa..."),
    ("<b>aaa</b><b>bbb</b><b>ccc</b>", "4,true", "aaab..."),
    ("<b>aaa</b><b>bbb</b><b>ccc</b>", "5,true", "aaabb..."),
    ("<b>aaa</b><b>bbb</b><b>ccc</b>", "7,true", "aaabbbc..."),
    (
        "word word word word word word word word word word word word word word word word word word word word ",
        "7,true",
        "word wo...",
    ),
    (
        "word word word word word word word word word word word word word word word word word word word word ",
        "10,true",
        "word word...",
    ),
    (
        "word word word word word word word word word word word word word word word word word word word word ",
        "12,true",
        "word word wo...",
    ),
    ("<div>éééééé</div><div>x</div>", "3,true", "ééé..."),
    ("<div>éééééé</div><div>x</div>", "4,true", "éééé..."),
    ("<div>éééééé</div><div>x</div>", "6,true", "éééééé"),
    ("<div>éééééé</div><div>x</div>", "7,true", "éééééé"),
    ("a   b   c", "3,true", "a b..."),
    ("a   b   c", "4,true", "a b..."),
    ("x\xa0\xa0\xa0\xa0\xa0y", "2,true", "x..."),
    ("x\xa0\xa0\xa0\xa0\xa0y", "3,true", "x..."),
    ("x\xa0\xa0\xa0\xa0\xa0y", "6,true", "x..."),
    ("x\xa0\xa0\xa0\xa0\xa0y", "7,true", "x\xa0\xa0\xa0\xa0\xa0y"),
    ("\u3000\u3000ab", "1,true", "a..."),
    ("\u3000\u3000ab", "3,true", "ab"),
    ("<p>x</p>", "1", "x"),
    ("<p>x</p>", "1,false", "x"),
    ("<p>x</p>", "1,0", "x"),
    ("<p>x</p>", "1,f", "x"),
    ("<p>x</p>", "1,true", "x"),
]


@pytest.mark.parametrize(("html", "args", "want"), EXCERPTS + EXCERPTS_HTML5 + EXCERPTS_WIDE)
def test_excerpt_matches_pocketbase(html, args, want):
    assert excerpt(html, *_args(args)) == want


@pytest.mark.parametrize(("depth", "fits"), [(509, True), (510, True), (511, False), (600, False)])
def test_nesting_past_512_open_elements_is_refused_as_pocketbase_does(depth, fits):
    # <html> and <body> are open too: PocketBase's parser accepts 510 nested elements, not 511
    html = "<div>" * depth + "deep"
    if fits:
        assert excerpt(html, 10) == "deep"
    else:
        with pytest.raises(ExcerptUnavailable):
            excerpt(html, 10)


@pytest.mark.parametrize("opening", ["<b>", "<div>", "<span>", "<table><tr><td>", "<svg>", "<ul>"])
def test_deep_nesting_of_any_kind_is_refused(opening):
    with pytest.raises(ExcerptUnavailable):
        excerpt(opening * 700 + "x", 10)


def test_nul_characters_are_dropped_from_text():
    # PocketBase 0.40.6: "a\x00b" -> "ab", "<pre>\x00x</pre>" -> "x"
    assert excerpt("a\x00b", 50) == "ab"
    assert excerpt("<p>a\x00b</p>", 50) == "ab"
    assert excerpt("<pre>\x00x</pre>", 50) == "x"


def test_lone_surrogates_read_as_replacement_characters():
    assert excerpt("a\ud800b<p>\udfff</p>", 50) == "a\ufffdb \ufffd"


def test_only_the_first_tags_are_read():
    # the bound that keeps the work small: the value is read up to its (MAX_TAGS + 1)th tag
    # (PocketBase 0.40.6 reads the whole value and answers "late text" for the first one)
    tags = "<br>" * html_excerpt.MAX_TAGS
    assert excerpt(tags + "<br>late text", 50) == ""
    assert excerpt(tags + "late text<br>more", 50) == "late text"
    # nesting past 512 after the bound is not seen either
    assert excerpt("early" + tags + "<div>" * 600, 50) == "early"


def test_text_past_the_bound_in_the_same_run_is_kept():
    text = "word " * 50_000
    assert excerpt("<p>" + text + "</p>", 12, True) == "word word wo..."
